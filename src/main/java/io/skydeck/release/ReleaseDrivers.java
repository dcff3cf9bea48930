package io.skydeck.release;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This replica's release drivers. Every replica scans for releases that have steps to run and
 * no live lease ({@link ReleaseLease#unattended}), claims each with the lease's conditional
 * UPDATE — so exactly one replica wins — and drives it on a thread of its own until nothing is
 * left to run or the lease is lost. A replica that dies stops renewing; its leases run out and
 * the next scan of any replica takes the releases over. Creating a release or acting on one
 * wakes the local scan, so a release starts at once rather than at the next tick.
 */
@ApplicationScoped
public class ReleaseDrivers {

    private static final Logger LOG = Logger.getLogger(ReleaseDrivers.class);
    private static final int CLAIMS_PER_SCAN = 16;

    @Inject
    ReleaseConfig config;

    @Inject
    ReleaseLease lease;

    @Inject
    ReleaseProgress progress;

    @Inject
    ReleaseService releases;

    @Inject
    InstanceSteps steps;

    @Inject
    ReleaseGates gates;

    @Inject
    AnalysisSources sources;

    @Inject
    io.skydeck.providers.ProviderRegistry providers;

    @Inject
    java.time.Clock clock;

    private final Map<UUID, ReleaseDriver> driving = new ConcurrentHashMap<>();
    private final AtomicBoolean scanQueued = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private ScheduledExecutorService scanner;
    private String replica;

    void start(@Observes StartupEvent event) {
        replica = config.replicaId().orElseGet(ReleaseDrivers::defaultReplica);
        scanner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "skydeck-release-scan");
            t.setDaemon(true);
            return t;
        });
        if (config.drive()) {
            long every = config.scanInterval().toMillis();
            scanner.scheduleWithFixedDelay(this::scanQuietly, every, every, TimeUnit.MILLISECONDS);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (scanner != null) {
            scanner.shutdownNow();
        }
    }

    public String replica() {
        return replica;
    }

    /** Looks for work now, on the scan thread (a release just created or acted on). */
    public void wake() {
        if (config.drive() && scanner != null && scanQueued.compareAndSet(false, true)) {
            scanner.execute(() -> {
                scanQueued.set(false);
                scanQuietly();
            });
        }
    }

    /**
     * Claims the release for {@code replicaId} and drives it on a new thread — what the scan does,
     * and what a test does to play a second replica. Empty when another driver holds the lease.
     */
    Optional<ReleaseDriver> drive(UUID releaseId, String replicaId) {
        Optional<Long> token = lease.claim(releaseId, replicaId, config.leaseDuration());
        if (token.isEmpty()) {
            return Optional.empty();
        }
        ReleaseDriver driver = new ReleaseDriver(releaseId, replicaId, token.get(), this);
        driving.put(releaseId, driver);
        Thread thread = new Thread(driver, "skydeck-release-driver-" + releaseId.toString().substring(0, 8));
        thread.setDaemon(true);
        thread.start();
        return Optional.of(driver);
    }

    /** Whether a driver of this JVM is working on the release. */
    boolean driving(UUID releaseId) {
        return driving.containsKey(releaseId);
    }

    /** Fenced progress writes so far on this replica (the bench divides time by instances, not by this). */
    long writes() {
        return writes.get();
    }

    void written(ReleaseDriver driver) {
        writes.incrementAndGet();
    }

    void ended(ReleaseDriver driver) {
        driving.remove(driver.releaseId(), driver);
        // It may have let go while an action gave out steps; look again rather than wait a tick.
        wake();
    }

    private void scanQuietly() {
        try {
            for (UUID id : lease.unattended(CLAIMS_PER_SCAN)) {
                if (!driving.containsKey(id)) {
                    drive(id, replica);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("release scan failed (%s); the next tick retries", e.toString());
        }
    }

    private static String defaultReplica() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "replica";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
