package dev.pipelines.streaming.runner.fence;

import dev.pipelines.streaming.api.lease.CommitLedger;
import dev.pipelines.streaming.api.lease.LeaseHolders;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A driver's hold on its checkpoint: a coordination.k8s.io Lease, taken and renewed through
 * fabric8's {@link LeaderElector} (client-go's algorithm and timings: 15 s lease, renewed every
 * 2 s, given up when not renewed for 10 s). A second driver on the same checkpoint waits until
 * the Lease is released (a graceful stop releases it) or expires (a killed or partitioned
 * holder). As a {@link CommitFence.Fence} it allows commits only while held, and only while the
 * last successful renewal started less than the renew deadline ago: the 5 s between that and
 * the Lease's expiry, as any other driver sees it, are this driver's margin to stop. Expiry is
 * judged on this driver's own clock from when it saw the record last change
 * ({@link ObservedRenewals}, as client-go's observedTime), never on the holder's renewTime, so
 * the margin holds whatever the skew between the two nodes' clocks.
 */
public final class CheckpointLease implements CommitFence.Fence, AutoCloseable {
  static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  static final Duration RETRY_PERIOD = Duration.ofSeconds(2);
  private static final Duration WAIT_LOG_PERIOD = Duration.ofSeconds(30);

  private final String description;
  private final CompletableFuture<Void> acquired = new CompletableFuture<>();
  private final RenewalRecordingLock lock;
  private final Runnable onLost;
  private final PrintWriter log;
  private volatile boolean leading;
  private volatile boolean closing;
  private volatile String lostBecause;
  private volatile String holder;
  private CompletableFuture<?> election;

  private CheckpointLease(String namespace, String name, String identity, Runnable onLost, PrintWriter log) {
    this.description = "Lease " + namespace + "/" + name;
    this.lock = new RenewalRecordingLock(namespace, name, identity);
    this.onLost = onLost;
    this.log = log;
  }

  /**
   * Starts taking the Lease {@code namespace/name} for {@code identity} in the background;
   * {@link #awaitHeld} waits for it. {@code onLost} runs (once, on fabric8's thread) if the
   * Lease is lost after it was held.
   */
  public static CheckpointLease start(KubernetesClient client, String namespace, String name, String identity,
      Runnable onLost, PrintWriter log) {
    CheckpointLease lease = new CheckpointLease(namespace, name, identity, onLost, log);
    LeaderElectionConfig config = new LeaderElectionConfig(lease.lock, LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD,
        new LeaderCallbacks(lease::started, lease::stopped, lease::observed), true, "spo-checkpoint");
    CompletableFuture<?> election = client.leaderElector().withConfig(config).build().start();
    // an election that ends before the Lease was ever held must not leave awaitHeld waiting forever
    election.whenComplete((ignored, failure) -> lease.acquired.completeExceptionally(failure != null ? failure
        : new IllegalStateException("the leader election ended before the Lease was taken")));
    lease.election = election;
    return lease;
  }

  /**
   * Blocks until the Lease is held (true), saying after 3 s and then every 30 s who holds it, or
   * until {@code stop} says to give up (false; checked every second).
   */
  public boolean awaitHeld(java.util.function.BooleanSupplier stop) throws InterruptedException {
    boolean said = false;
    long sayAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (!stop.getAsBoolean()) {
      try {
        acquired.get(1, TimeUnit.SECONDS);
        if (said) {
          log.println("[lease] took the checkpoint " + description);
          log.flush();
        }
        return true;
      } catch (TimeoutException e) {
        if (System.nanoTime() < sayAt) {
          continue;
        }
        sayAt = System.nanoTime() + WAIT_LOG_PERIOD.toNanos();
        String by = holder;
        log.println(by == null || by.isEmpty()
            ? "[lease] cannot take the checkpoint " + description + " yet (it is free; the API server refused or"
                + " failed the request: see the warning above); trying again every " + RETRY_PERIOD.toSeconds() + " s"
            : "[lease] waiting for the checkpoint " + description + ", held by " + by + " (it is released when that"
                + " driver stops, or expires " + LEASE_DURATION.toSeconds() + " s after its last renewal)");
        log.flush();
        said = true;
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot take the checkpoint " + description + ": " + e.getCause(), e.getCause());
      }
    }
    return false;
  }

  /** True once the Lease was lost after being held; the run must end with exit code 4. */
  public boolean lost() {
    return lostBecause != null;
  }

  /** "lost the checkpoint Lease ns/name to other-driver", or null while not lost. */
  public String lostBecause() {
    return lostBecause;
  }

  @Override
  public String refusal() {
    if (lostBecause != null) {
      return lostBecause;
    }
    if (!leading) {
      return "this driver does not hold the checkpoint " + description;
    }
    long sinceRenewal = System.nanoTime() - lock.lastWriteStartedNanos;
    if (sinceRenewal > RENEW_DEADLINE.toNanos()) {
      return "the checkpoint " + description + " was not renewed for " + TimeUnit.NANOSECONDS.toSeconds(sinceRenewal) + " s";
    }
    return null;
  }

  /**
   * One line per committed micro-batch in the driver's log, naming this holder: with the Lease's
   * holder history ({@link LeaseHolders}) it shows ({@link CommitLedger}) after the fact which driver committed each batch,
   * and that no two of them committed in turns.
   */
  @Override
  public void batchCommitted(String checkpoint, long batchId) {
    log.println(CommitLedger.line(batchId, checkpoint, lock.identity()));
    log.flush();
  }

  /** Stops renewing and releases the Lease, so the next driver need not wait for it to expire. */
  @Override
  public void close() {
    closing = true;
    if (election != null) {
      election.cancel(true);
    }
  }

  private void started() {
    leading = true;
    acquired.complete(null);
  }

  private void stopped() {
    if (closing || lostBecause != null) {
      leading = false;
      return;
    }
    // the reason first: a commit refused from here on already counts as a lost Lease (exit 4)
    lostBecause = "lost the checkpoint " + description + (holder == null || holder.equals(lock.identity())
        ? " (not renewed within " + RENEW_DEADLINE.toSeconds() + " s)" : " to " + holder);
    leading = false;
    log.println("[lease] " + lostBecause + ": stopping, committing nothing more");
    log.flush();
    onLost.run();
  }

  private void observed(String newHolder) {
    holder = newHolder;
  }

  /**
   * fabric8's LeaseLock, remembering when its last successful renewal began, and adding a line to
   * the Lease's holder history ({@link LeaseHolders#ANNOTATION}) in the write that takes it from
   * another holder (or creates it): the same resourceVersion-guarded update, so the history
   * cannot miss a taking or record one that failed. fabric8 takes the
   * renewTime it writes just before it reads the Lease (LeaderElector.tryAcquireOrRenew: now(),
   * get, then create or update), so the clock starts before that read: a slow read or write
   * shortens this driver's window, never the margin before others may take over.
   */
  static final class RenewalRecordingLock extends LeaseLock {
    /** How a Lease held under this holder's name by another process is shown: "runner-a (another process)". */
    static final String ELSEWHERE = " (another process)";
    volatile long lastWriteStartedNanos;
    private volatile long readStartedNanos;
    /** The holder and history of the Lease as last read; null when there was none. */
    private volatile String seenHolder;
    private volatile String seenHistory;
    private final ObservedRenewals observedClock = new ObservedRenewals(System::nanoTime);
    /** The tenure ({@link #tenure}) this process last wrote; "" before its first write. */
    private volatile String ownTenure = "";

    RenewalRecordingLock(String namespace, String name, String identity) {
      super(namespace, name, identity);
    }

    @Override
    public synchronized LeaderElectionRecord get(KubernetesClient client) {
      readStartedNanos = System.nanoTime();
      seenHolder = null;
      seenHistory = null;
      return super.get(client);
    }

    @Override
    protected LeaderElectionRecord toRecord(Lease lease) {
      var annotations = lease.getMetadata().getAnnotations();
      seenHistory = annotations == null ? null : annotations.get(LeaseHolders.ANNOTATION);
      LeaderElectionRecord record = observedClock.restamp(super.toRecord(lease), lease.getMetadata().getResourceVersion());
      if (record != null && identity().equals(record.getHolderIdentity()) && !tenure(record).equals(ownTenure)) {
        // The Lease names this holder, but not the tenure this process last wrote (its acquire
        // time and transition count): another process under the same name (a runner started
        // twice with one --lease-holder, a pod name used again), or one that took over while this
        // one stalled. fabric8 would take that for its own hold and renew at once; it is another holder.
        record = new LeaderElectionRecord(identity() + ELSEWHERE, record.getLeaseDuration(), record.getAcquireTime(),
            record.getRenewTime(), record.getLeaderTransitions());
      }
      seenHolder = record == null ? null : record.getHolderIdentity();
      return record;
    }

    @Override
    protected Lease toResource(LeaderElectionRecord record, ObjectMetaBuilder meta) {
      // fabric8 releases the Lease with no holder (LeaderElector.release): no taking to record
      String taker = record.getHolderIdentity();
      if (taker != null && !taker.isEmpty() && !taker.equals(seenHolder)) {
        meta.addToAnnotations(LeaseHolders.ANNOTATION, LeaseHolders.append(seenHistory,
            new LeaseHolders.Tenure(taker, record.getAcquireTime().toInstant())));
      }
      return super.toResource(record, meta);
    }

    /** This process's write of {@code record} succeeded: a record of that tenure is its own from now on. */
    void written(LeaderElectionRecord record) {
      ownTenure = tenure(record);
    }

    /** One holding of the Lease: when it was acquired (as the API server keeps it, in microseconds) and its transition count. */
    private static String tenure(LeaderElectionRecord record) {
      return (record.getAcquireTime() == null ? "-" : record.getAcquireTime().toInstant().truncatedTo(ChronoUnit.MICROS))
          + "#" + record.getLeaderTransitions();
    }

    @Override
    public synchronized void create(KubernetesClient client, LeaderElectionRecord record) {
      super.create(client, record);
      written(record);
      lastWriteStartedNanos = readStartedNanos;
    }

    @Override
    public synchronized void update(KubernetesClient client, LeaderElectionRecord record) {
      super.update(client, record);
      written(record);
      lastWriteStartedNanos = readStartedNanos;
    }
  }
}
