package io.skydeck.platform.scheduling;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Lets one replica at a time register the scheduled jobs in Quartz's clustered store.
 *
 * <p>Quartz's scheduler, created when start-up begins (its start-up observer has priority 0),
 * stores every {@code @Scheduled} job with a look and then an insert. Two replicas starting at the
 * same moment on an empty store can both look, find nothing, and the second insert fails with
 * {@code ObjectAlreadyExistsException}, which ends that replica's start-up (seen in
 * {@code TwoReplicasIT} on 2026-12-02). This class holds a PostgreSQL session advisory lock from
 * before Quartz is created until after, on a connection of its own: the second replica waits, then
 * finds the jobs stored and keeps them. A replica that dies while holding it loses its session and
 * with it the lock.
 */
@ApplicationScoped
public class SchedulerStartLock {

    /** The advisory lock's key: any constant no other lock in the service uses ("skdkjobs"). */
    static final long KEY = 0x736b646b6a6f6273L;

    private static final Logger LOG = Logger.getLogger(SchedulerStartLock.class);

    @Inject
    AgroalDataSource dataSource;

    private Connection held;

    void before(@Observes @Priority(-1_000) StartupEvent event) throws SQLException {
        Connection c = dataSource.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + KEY + ")");
            held = c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    void after(@Observes @Priority(1_000) StartupEvent event) {
        Connection c = held;
        held = null;
        if (c == null) {
            return;
        }
        try (c; Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_unlock(" + KEY + ")");
        } catch (SQLException e) {
            // Closing the session gives the lock back as well.
            LOG.warnf("could not release the scheduler start-up lock (%s); closing its connection releases it", e.getMessage());
        }
    }
}
