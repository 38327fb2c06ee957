/**
 * creditmeter for Java and Kotlin (Android API 26+, Java 11 language level): metering of
 * active avatar runtime, billed in credits.
 *
 * <p>{@link io.creditmeter.Client} starts {@link io.creditmeter.Session}s; a renderer calls
 * {@link io.creditmeter.Session#frame()} per frame and renders only while
 * {@link io.creditmeter.Session#mayRender()}. Listeners run on the client's callback thread.
 * The classes wrap the C ABI ({@code creditmeter.h}) through {@code libcreditmeter_jni}, which
 * they load themselves. docs/JAVA.md has the whole story: threads, lifetimes, Kotlin.
 */
package io.creditmeter;
