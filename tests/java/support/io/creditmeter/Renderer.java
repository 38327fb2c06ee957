package io.creditmeter;

/**
 * A simulated renderer thread: about 100 frames a second while mayRender() says yes. Records
 * the time from its first to its last frame (the render time the billing invariant bounds).
 */
final class Renderer implements AutoCloseable {
  private final Session session;
  private final Thread thread;
  private volatile boolean quit;
  private volatile Throwable error;
  private volatile long frames;
  private volatile long gated;
  private long firstFrameNanos = -1;
  private long lastFrameNanos = -1;

  Renderer(Session session) {
    this.session = session;
    this.thread = new Thread(this::run, "renderer");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (!quit) {
        if (session.mayRender()) {
          long now = System.nanoTime();
          session.frame();
          synchronized (this) {
            if (firstFrameNanos < 0) {
              firstFrameNanos = now;
            }
            lastFrameNanos = now;
          }
          frames++;
        } else {
          gated++;
        }
        Thread.sleep(10); // the frame pacing of a ~100 fps renderer
      }
    } catch (Throwable t) {
      error = t;
    }
  }

  long frames() {
    return frames;
  }

  long gated() {
    return gated;
  }

  /** Milliseconds from the first to the last frame so far. */
  synchronized long renderedMs() {
    return firstFrameNanos < 0 ? 0 : (lastFrameNanos - firstFrameNanos) / 1_000_000;
  }

  @Override
  public void close() throws Exception {
    quit = true;
    thread.join(5000);
    if (thread.isAlive()) {
      throw new AssertionError("renderer thread did not stop");
    }
    if (error != null) {
      throw new AssertionError("renderer failed", error);
    }
  }
}
