package io.creditmeter;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Frees native handles of objects the app dropped without closing them: what
 * java.lang.ref.Cleaner does, built on PhantomReference because Cleaner needs Android API 33
 * and the binding targets API 26. One daemon thread, "creditmeter-cleaner", started with the
 * first registration.
 */
final class HandleCleaner {
  /** An action that runs once: on {@link #clean()} or when its object became unreachable. */
  interface Cleanable {
    void clean();
  }

  private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
  // Keeps the references themselves reachable until they ran; removal makes each run once.
  private static final Set<Ref> PENDING = ConcurrentHashMap.newKeySet();

  static {
    Thread thread = new Thread(HandleCleaner::drain, "creditmeter-cleaner");
    thread.setDaemon(true);
    thread.start();
  }

  private HandleCleaner() {}

  /** The action must not refer to {@code object}, or the object never becomes unreachable. */
  static Cleanable register(Object object, Runnable action) {
    Ref ref = new Ref(object, action);
    PENDING.add(ref);
    return ref;
  }

  private static void drain() {
    while (true) {
      try {
        ((Ref) QUEUE.remove()).clean();
      } catch (InterruptedException e) {
        return;
      } catch (Throwable t) {
        System.err.println("creditmeter: freeing a native handle failed:");
        t.printStackTrace();
      }
    }
  }

  private static final class Ref extends PhantomReference<Object> implements Cleanable {
    private final Runnable action;

    Ref(Object object, Runnable action) {
      super(object, QUEUE);
      this.action = action;
    }

    @Override
    public void clean() {
      if (PENDING.remove(this)) {
        clear();
        action.run();
      }
    }
  }
}
