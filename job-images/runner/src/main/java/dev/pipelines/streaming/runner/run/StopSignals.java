package dev.pipelines.streaming.runner.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a graceful stop that lets the JVM exit with the runner's own
 * exit code. Left to the JVM, either signal starts its shutdown at once and the process exits
 * 128+signal (143, 130) whatever the shutdown hooks achieve; the operator and restart loops
 * would read a clean stop as a crash. Here the first signal only starts {@code onStop} on its
 * own thread, and the main thread returns 0 when the queries have stopped. A second signal
 * goes to the JVM's previous handler: shutdown now (the shutdown hook still stops queries).
 */
final class StopSignals implements AutoCloseable {
  private static final List<String> SIGNALS = List.of("TERM", "INT");

  private final Runnable onStop;
  private final AtomicBoolean received = new AtomicBoolean();
  private final List<Signal> installed = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();

  StopSignals(Runnable onStop) {
    this.onStop = onStop;
  }

  /**
   * Takes over the signals the JVM lets programs handle; a signal the JVM keeps (started with
   * -Xrs) or ignores is left as it is, and the shutdown hook covers it.
   */
  StopSignals install() {
    for (String name : SIGNALS) {
      Signal signal = new Signal(name);
      try {
        SignalHandler old = Signal.handle(signal, this::handle);
        installed.add(signal);
        previous.add(old);
      } catch (IllegalArgumentException e) {
        // not available in this JVM; the shutdown hook still stops the queries
      }
    }
    return this;
  }

  private void handle(Signal signal) {
    if (received.compareAndSet(false, true)) {
      Thread stopper = new Thread(onStop, "spo-graceful-stop");
      stopper.setDaemon(true);
      stopper.start();
      return;
    }
    int i = installed.indexOf(signal);
    SignalHandler old = i < 0 ? SignalHandler.SIG_DFL : previous.get(i);
    if (old != SignalHandler.SIG_DFL && old != SignalHandler.SIG_IGN) {
      old.handle(signal);
    } else {
      Runtime.getRuntime().exit(128 + signal.getNumber());
    }
  }

  /** Gives the signals back to their previous handlers. */
  @Override
  public void close() {
    for (int i = 0; i < installed.size(); i++) {
      Signal.handle(installed.get(i), previous.get(i));
    }
    installed.clear();
    previous.clear();
  }
}
