package io.skydeck.network;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tells this replica which tenants' network topology changed, so that reachability can answer from
 * the topology it keeps without reading the tenant's version from PostgreSQL for every question.
 *
 * <p>The V31 triggers that bump a tenant's topology version also {@code NOTIFY network_topology}
 * with the tenant's id (V52); PostgreSQL delivers a notification only when the changing transaction
 * commits, to every listening connection. This class keeps one such connection, counts the
 * notifications per tenant and hands out {@link Mark}s. A reader takes a mark <em>before</em> it
 * reads the version and the topology; what it built stays current while {@link #unchanged} says so:
 * the connection has listened without a break since the mark, and no notification for the tenant
 * has arrived since. A notification is sent after its commit is visible, so a change whose
 * notification came before the mark was visible to the read that followed it, and one whose
 * notification comes after makes {@link #unchanged} false.
 *
 * <p>Every check first reads what has arrived on the connection (a non-blocking look at its
 * socket), so a question sees a change as soon as PostgreSQL has sent its notification — on one
 * host well under a millisecond after the commit, before a client that committed it can ask again.
 * When the connection is down, is being probed, or the watch is off
 * ({@code skydeck.network.topology-watch=false}), {@link #mark} answers {@code null} and readers read
 * the version from the database as before, which is always current. The connection is probed with a
 * round trip every second, so a silently dead one is noticed within about two.
 */
@ApplicationScoped
public class TopologyWatch {

    static final String CHANNEL = "network_topology";

    private static final Logger LOG = Logger.getLogger(TopologyWatch.class);
    private static final long PROBE_EVERY_MS = 1_000;
    private static final int PROBE_TIMEOUT_SECONDS = 2;

    /** What the watch had seen of a tenant when a reader started reading: the listening's epoch and the tenant's notifications. */
    public record Mark(long epoch, long changes) {
    }

    @ConfigProperty(name = "skydeck.network.topology-watch", defaultValue = "true")
    boolean enabled;

    /** The main database, on a connection of its own: a pooled one would go back to the pool still listening. */
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    /** Guards the connection: a check reads from it, the probe makes a round trip on it. */
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection;
    private PGConnection listening;
    private long lastProbe;

    /** Moves whenever listening starts or stops, so that no mark survives a gap in which notifications were lost. */
    private volatile long epoch;
    private volatile boolean live;
    private final Map<UUID, Long> changes = new ConcurrentHashMap<>();
    private ScheduledExecutorService keeper;

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "topology-watch");
            t.setDaemon(true);
            return t;
        });
        keeper.scheduleWithFixedDelay(this::keep, 0, 200, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (keeper != null) {
            keeper.shutdownNow();
        }
        lock.lock();
        try {
            drop(null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A mark for a reader about to read the tenant's topology from the database, or {@code null}
     * when the watch cannot vouch for what it reads (not listening, or busy probing).
     */
    public Mark mark(UUID tenant) {
        if (!live || !drain()) {
            return null;
        }
        long at = epoch;
        return live ? new Mark(at, changes.getOrDefault(tenant, 0L)) : null;
    }

    /** Whether nothing of the tenant's topology can have changed since the mark was taken. */
    public boolean unchanged(UUID tenant, Mark mark) {
        if (mark == null || !live || !drain()) {
            return false;
        }
        return live && epoch == mark.epoch() && changes.getOrDefault(tenant, 0L) == mark.changes();
    }

    /** Whether the watch is listening now (tests and the health of this replica's cache). */
    public boolean live() {
        return live;
    }

    /**
     * Counts what has arrived on the connection; false when it could not look (connection busy in
     * a probe for more than a millisecond, or broken), in which case the caller must not trust a mark.
     */
    private boolean drain() {
        try {
            if (!lock.tryLock(1, TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            if (listening == null) {
                return false;
            }
            count(listening.getNotifications());
            return true;
        } catch (SQLException e) {
            drop(e);
            return false;
        } finally {
            lock.unlock();
        }
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

    /** On the keeper's thread: (re)connects and listens, or drains and now and then probes the connection. */
    private void keep() {
        lock.lock();
        try {
            if (listening == null) {
                listen();
            } else {
                count(listening.getNotifications());
                long now = System.nanoTime();
                if (now - lastProbe >= TimeUnit.MILLISECONDS.toNanos(PROBE_EVERY_MS)) {
                    lastProbe = now;
                    if (!connection.isValid(PROBE_TIMEOUT_SECONDS)) {
                        throw new SQLException("the listening connection did not answer a probe within " + PROBE_TIMEOUT_SECONDS + " s");
                    }
                    count(listening.getNotifications());
                }
            }
        } catch (SQLException | RuntimeException e) {
            drop(e);
        } finally {
            lock.unlock();
        }
    }

    private void listen() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user.orElse("postgres"));
        password.ifPresent(p -> properties.setProperty("password", p));
        properties.setProperty("ApplicationName", "skydeck topology watch");
        properties.setProperty("tcpKeepAlive", "true");
        Connection c = new Driver().connect(url, properties);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + url);
        }
        try {
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
            }
            connection = c;
            listening = c.unwrap(PGConnection.class);
            lastProbe = System.nanoTime();
            // Listening from here on: a mark taken from now is vouched for by what arrives after it.
            epoch++;
            live = true;
            LOG.debugf("listening on %s", CHANNEL);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Stops vouching at once (the epoch moves), then closes the connection; the keeper listens again on its next run. */
    private void drop(Exception cause) {
        boolean was = live;
        live = false;
        epoch++;
        if (cause != null && was) {
            LOG.warnf("topology watch lost its connection (%s); questions read the version until it listens again", cause.getMessage());
        }
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken: nothing to give back
            }
        }
        connection = null;
        listening = null;
    }
}
