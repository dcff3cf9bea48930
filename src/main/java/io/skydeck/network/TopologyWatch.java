package io.skydeck.network;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Tells this replica which tenants' network topology changed, so that reachability can answer from
 * the topology it keeps without reading the tenant's version from PostgreSQL for every question.
 *
 * <p>The V31 triggers that bump a tenant's topology version also {@code NOTIFY network_topology}
 * with the tenant's id (V52); PostgreSQL delivers a notification only when the changing transaction
 * commits, to every listening connection. This class keeps one such connection on a thread of its
 * own, which waits on it and counts the notifications per tenant as they arrive, and hands out
 * {@link Mark}s. A reader takes a mark <em>before</em> it reads the version and the topology; what
 * it built stays current while {@link #unchanged} says so: the connection has listened without a
 * break since the mark, and no notification for the tenant has arrived since. A notification is sent
 * after its commit is visible, so a change whose notification came before the mark was visible to
 * the read that followed it, and one whose notification comes after makes {@link #unchanged} false.
 *
 * <p>Checks read two counters and never touch the connection, so they cost nothing and may run on
 * an event loop. A change is seen once the watch's thread has read its notification: on one host
 * well under a millisecond after the commit, before the client that committed it can ask again. When
 * the connection is down or the watch is off ({@code skydeck.network.topology-watch=false}),
 * {@link #mark} answers {@code null} and readers read the version from the database as before, which
 * is always current. The connection is probed with a round trip every second, so a silently dead one
 * is noticed within about three.
 */
@ApplicationScoped
public class TopologyWatch {

    static final String CHANNEL = "network_topology";

    private static final Logger LOG = Logger.getLogger(TopologyWatch.class);
    private static final int WAIT_MS = 250;
    private static final long PROBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int PROBE_TIMEOUT_SECONDS = 2;
    private static final long RETRY_MS = 1_000;

    /** What the watch had seen of a tenant when a reader started reading: the listening's epoch and the tenant's notifications. */
    public record Mark(long epoch, long changes) {
    }

    @Inject
    TopologyWatchConfig config;

    /** The main database, on a connection of its own: a pooled one would go back to the pool still listening. */
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    /** Moves whenever listening starts or stops, so that no mark survives a gap in which notifications were lost. */
    private volatile long epoch;
    private volatile boolean live;
    private volatile boolean stopping;
    private final Map<UUID, Long> changes = new ConcurrentHashMap<>();
    /** Whether the last attempt failed (the watch's thread only): a connection that cannot be made is reported once, not every second. */
    private boolean failing;

    /** Used by the watch's thread only (and closed by {@link #stop} to end its wait). */
    private volatile Connection connection;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        thread = new Thread(this::watch, "topology-watch");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
        }
        close();
    }

    /**
     * A mark for a reader about to read the tenant's topology from the database, or {@code null}
     * when the watch cannot vouch for what it reads (not listening).
     */
    public Mark mark(UUID tenant) {
        long at = epoch;
        if (!live) {
            return null;
        }
        Mark mark = new Mark(at, changes.getOrDefault(tenant, 0L));
        return live && epoch == at ? mark : null;
    }

    /** Whether nothing of the tenant's topology can have changed since the mark was taken. */
    public boolean unchanged(UUID tenant, Mark mark) {
        return mark != null && live && epoch == mark.epoch() && changes.getOrDefault(tenant, 0L) == mark.changes();
    }

    /** Whether the watch is listening now. */
    public boolean live() {
        return live;
    }

    /** The watch's thread: listens, counts what arrives, probes the connection now and then, and listens again after a failure. */
    private void watch() {
        while (!stopping) {
            try {
                PGConnection listening = listen();
                long probed = System.nanoTime();
                while (!stopping) {
                    count(listening.getNotifications(WAIT_MS));
                    if (System.nanoTime() - probed >= PROBE_EVERY_NANOS) {
                        if (!connection.isValid(PROBE_TIMEOUT_SECONDS)) {
                            throw new SQLException("the listening connection did not answer a probe within " + PROBE_TIMEOUT_SECONDS + " s");
                        }
                        probed = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!stopping) {
                    drop(e);
                    pause();
                }
            }
        }
        drop(null);
    }

    private PGConnection listen() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user.orElse("postgres"));
        password.ifPresent(p -> properties.setProperty("password", p));
        properties.setProperty("ApplicationName", "skydeck topology watch");
        properties.setProperty("tcpKeepAlive", "true");
        Connection c = new Driver().connect(url, properties);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + url);
        }
        connection = c;
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
        }
        // Listening from here on: a mark taken from now is vouched for by what arrives after it.
        epoch++;
        live = true;
        LOG.infof("topology watch listening on %s", CHANNEL);
        return c.unwrap(PGConnection.class);
    }

    private void count(PGNotification[] arrived) {
        if (arrived == null) {
            return;
        }
        for (PGNotification n : arrived) {
            try {
                changes.merge(UUID.fromString(n.getParameter()), 1L, Long::sum);
            } catch (IllegalArgumentException e) {
                LOG.warnf("ignoring a %s notification with payload '%s'", CHANNEL, n.getParameter());
            }
        }
    }

    /** Stops vouching at once (the epoch moves), then closes the connection; the watch listens again after a pause. */
    private void drop(Exception cause) {
        boolean was = live;
        live = false;
        epoch++;
        if (cause != null && (was || !failing)) {
            LOG.warnf("topology watch %s (%s); reachability reads each tenant's version until it listens again",
                    was ? "lost its connection" : "cannot listen", cause.getMessage());
        }
        failing = cause != null;
        close();
    }

    private void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken: nothing to give back
            }
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
