package io.creditmeter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A state-change listener that records every change and the thread it ran on. */
final class Recorder implements Consumer<StateChange> {
  private final List<StateChange> changes = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  @Override
  public synchronized void accept(StateChange change) {
    changes.add(change);
    threads.add(Thread.currentThread());
  }

  synchronized List<StateChange> changes() {
    return new ArrayList<>(changes);
  }

  synchronized List<Thread> threads() {
    return new ArrayList<>(threads);
  }

  synchronized boolean saw(SessionState to, Reason reason) {
    for (StateChange c : changes) {
      if (c.to() == to && (reason == null || c.reason() == reason)) {
        return true;
      }
    }
    return false;
  }

  boolean saw(SessionState to) {
    return saw(to, null);
  }
}
