package io.creditmeter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request for the app's {@link HttpTransport}: what the C ABI's {@code cm_http_request}
 * holds, copied into Java. Immutable, except the body array, which belongs to the transport.
 * The library keeps no reference to it: the transport may keep it as long as it likes.
 *
 * <p><b>SECURITY:</b> {@link #headers()} carry the API secret ({@code api-secret: ...}) or a
 * session token ({@code Authorization: Bearer ...}): never log them (no OkHttp
 * {@code HttpLoggingInterceptor} at {@code HEADERS} or {@code BODY} level on this client).
 * {@link #toString()} gives the method, URL, header names and body size, never a header value
 * or the body.
 */
public final class HttpRequest {
  private final String method;
  private final String url;
  private final List<String> headers;
  private final Map<String, String> headerMap;
  private final byte[] body;
  private final long timeoutMillis;

  HttpRequest(String method, String url, List<String> headers, byte[] body, long timeoutMillis) {
    this.method = method;
    this.url = url;
    this.headers = Collections.unmodifiableList(new ArrayList<>(headers));
    Map<String, String> map = new LinkedHashMap<>();
    for (String line : headers) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        map.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    this.headerMap = Collections.unmodifiableMap(map);
    this.body = body;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * The HTTP method.
   *
   * @return {@code "GET"} or {@code "POST"}
   */
  public String method() {
    return method;
  }

  /**
   * The absolute URL ({@code https://...}; plain {@code http://} only to loopback unless the
   * client allows insecure HTTP).
   *
   * @return the URL
   */
  public String url() {
    return url;
  }

  /**
   * The request's headers as the library wrote them, one {@code "Name: value"} string each,
   * in order. Carries the secret or a token: see the class documentation.
   *
   * @return an unmodifiable list
   */
  public List<String> headers() {
    return headers;
  }

  /**
   * The same headers as name to value (names as written, values trimmed, in order), for
   * stacks that take a map (OkHttp: {@code headerMap().forEach(builder::header)}). The library
   * writes each name once.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> headerMap() {
    return headerMap;
  }

  /**
   * The body (UTF-8 JSON for a POST, empty for a GET). The array is the transport's own copy:
   * it may hand it to its stack without copying it again.
   *
   * @return the body bytes, never {@code null}
   */
  public byte[] body() {
    return body;
  }

  /**
   * Complete or fail the call within this many milliseconds: the library abandons it
   * afterwards (offline, retried) and calls {@link HttpTransport#cancel}. Use it as the
   * stack's whole-call timeout (OkHttp: {@code call.timeout().timeout(ms, MILLISECONDS)}).
   *
   * @return the timeout, in milliseconds (more than 0)
   */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  /**
   * The method, URL, header names (no values: they carry secrets) and the body's size.
   *
   * @return a text safe to log
   */
  @Override
  public String toString() {
    return method + " " + url + " (headers: " + String.join(", ", headerMap.keySet()) + "; " + body.length
        + " bytes; timeout " + timeoutMillis + " ms)";
  }
}
