package io.skydeck.platform.changes;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Sends the notifications that the change triggers wrote to {@code change_outbox} (V62), so that
 * the transactions that change rows do not notify themselves: PostgreSQL lets the commits of
 * notifying transactions through one at a time, each holding its notification queue's lock through
 * its WAL flush, and with every create and status change notifying, that lock was the service's
 * narrowest point. Here one thread per replica sends what is waiting in one transaction
 * ({@code change_outbox_send}: the rows it sends are deleted, skipping rows another replica's relay
 * is sending), right after a commit of this replica changed such rows ({@link #wake}, from {@link
 * ChangedAtCommit}; at most one send every {@value #GATHER_MS} ms, so that under load a send carries
 * several commits' rows) and every {@value #POLL_MS} ms otherwise, for changes made elsewhere (another
 * replica's relay takes its own at once; a statement of an operator's is seen by the next poll).
 * What {@link TenantChanges} promises holds: a notification arrives only after its change has
 * committed, and one of this replica's own commits is counted at once ({@link
 * TenantChanges#changedHere}) without waiting for it. The outbox is unlogged and has no index (V63,
 * V64): a crash of PostgreSQL empties it, and also ends the listening connection of every replica,
 * which {@link TenantChanges} takes as a gap in which anything may have changed.
 */
@ApplicationScoped
public class ChangeRelay {

    private static final Logger LOG = Logger.getLogger(ChangeRelay.class);
    static final int POLL_MS = 20;
    /** At most one send this often: under load the commits that wake the relay come closer together than a send takes. */
    static final int GATHER_MS = 5;
    /** The outbox is a queue: its rows live milliseconds, so its dead ones are vacuumed this often, not at autovacuum's pace. */
    static final long VACUUM_EVERY_MS = 5_000;
    private static final int BATCH = 1_000;
    private static final long RETRY_MS = 1_000;

    @Inject
    AgroalDataSource dataSource;

    private final Semaphore wanted = new Semaphore(0);
    private volatile boolean stopping;
    private Thread thread;
    /** The relay's thread only: a failure is reported once, not every poll. */
    private boolean failing;

    void start(@Observes StartupEvent event) {
        thread = new Thread(this::relay, "change-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Asks the relay to send what is waiting now, rather than at its next poll. */
    public void wake() {
        if (wanted.availablePermits() == 0) {
            wanted.release();
        }
    }

    private void relay() {
        long sent = 0;
        long vacuumed = System.nanoTime();
        while (!stopping) {
            try {
                wanted.tryAcquire(POLL_MS, TimeUnit.MILLISECONDS);
                long since = System.nanoTime() - sent;
                if (since < TimeUnit.MILLISECONDS.toNanos(GATHER_MS)) {
                    TimeUnit.NANOSECONDS.sleep(TimeUnit.MILLISECONDS.toNanos(GATHER_MS) - since);
                }
                wanted.drainPermits();
                sent = System.nanoTime();
                while (!stopping && sendWaiting() >= BATCH) {
                    // more than one batch was waiting: send the rest before waiting again
                }
                if (System.nanoTime() - vacuumed >= TimeUnit.MILLISECONDS.toNanos(VACUUM_EVERY_MS)) {
                    vacuum();
                    vacuumed = System.nanoTime();
                }
                failing = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException | RuntimeException e) {
                if (!stopping) {
                    if (!failing) {
                        LOG.warnf("change relay cannot send the waiting notifications (%s); it retries every %d ms",
                                e.getMessage(), RETRY_MS);
                    }
                    failing = true;
                    pause();
                }
            }
        }
    }

    /** One transaction: sends up to a batch of waiting notifications; answers how many rows it took. */
    int sendWaiting() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement send = c.prepareStatement("SELECT change_outbox_send(?)")) {
            send.setInt(1, BATCH);
            try (ResultSet r = send.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /**
     * Clears the rows the sends deleted: each send's scan starts at the oldest row, and walked every
     * row deleted since autovacuum's last visit (a minute apart by default), hundreds of thousands
     * under load. Another replica vacuuming it at the same moment is left to it.
     */
    private void vacuum() throws SQLException {
        try (Connection c = dataSource.getConnection(); java.sql.Statement vacuum = c.createStatement()) {
            vacuum.execute("VACUUM (SKIP_LOCKED) change_outbox");
        }
    }

    private void pause() {
        try {
            Thread.sleep(RETRY_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
