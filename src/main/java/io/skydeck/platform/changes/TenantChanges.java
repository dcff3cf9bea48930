package io.skydeck.platform.changes;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Tells this replica which tenants' rows of a kind changed, so that what it keeps in memory from
 * those rows — a tenant's network topology, a page of its servers — can be served without reading
 * PostgreSQL again to know whether it is still current.
 *
 * <p>Triggers on the tables behind each {@link Channel} write a notification of the channel with
 * the tenant's id to {@code change_outbox} in the changing transaction (V52, V53, V56, V62), and a
 * replica's {@link ChangeRelay} sends it ({@code NOTIFY}) once that transaction has committed —
 * at once for its own commits, within {@value ChangeRelay#POLL_MS} ms for others — folding identical
 * ones sent together into one; PostgreSQL delivers it to every listening connection. This class keeps one such connection, listening on every channel, on a thread of its own,
 * which waits on it and counts the notifications per channel and tenant as they arrive, and hands
 * out {@link Mark}s. A reader takes a mark <em>before</em> it reads; what it built stays current
 * while {@link #unchanged} says so: the connection has listened without a break since the mark,
 * and no notification for the tenant has arrived on the channel since. A notification is sent after
 * its commit is visible, so a change notified before the mark was visible to the read that followed
 * it, and one notified after makes {@link #unchanged} false.
 *
 * <p>Checks read two counters and never touch the connection, so they cost nothing and may run on
 * an event loop. A change is seen once the watch's thread has read its notification: a change a
 * replica committed through its entities about a millisecond after the commit (its relay is woken by
 * the commit; the replica itself counted it at once), any other within the relay's poll.
 * When the connection is down, {@link #mark} answers {@code null} and readers read from the
 * database, which is always current. The connection is probed with a round trip every second, so a
 * silently dead one is noticed within about three.
 */
@ApplicationScoped
public class TenantChanges {

    /** What can change, each a PostgreSQL notification channel whose payload is a tenant's id. */
    public enum Channel {
        /** Networks, subnets, security groups and rules, links, attachments (V31's triggers, V52). */
        NETWORK_TOPOLOGY("network_topology"),
        /** Servers: any insert, update or delete of a {@code server} row (V53). */
        SERVERS("server_rows"),
        /** Tenants and projects: an update or delete of a {@code tenant} or {@code project} row (V56). */
        TENANTS("tenant_rows");

        public final String name;

        Channel(String name) {
            this.name = name;
        }
    }

    /** How the listening connection shows in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "skydeck tenant changes";

    /** A notification's payload that stands for every tenant. */
    static final String EVERY_TENANT = "*";

    private static final Logger LOG = Logger.getLogger(TenantChanges.class);
    private static final int WAIT_MS = 250;
    private static final long PROBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int PROBE_TIMEOUT_SECONDS = 2;
    private static final long RETRY_MS = 1_000;

    /** What the watch had seen of a tenant when a reader started reading: the listening's epoch and the tenant's notifications. */
    public record Mark(long epoch, long changes) {
    }

    /** The details of the changes after a mark, and the later mark that covers them. */
    public record Since(Mark mark, List<String> details) {
    }

    /** How many changes' details are remembered per tenant and channel. */
    static final int KEPT_DETAILS = 64;

    /** How many notifications of every tenant are remembered per channel, in order of arrival, for {@link #sinceAny}. */
    static final int KEPT_EVERY_TENANT = 16_384;

    /** One tenant's notifications on one channel (or every tenant's): how many came, and the details of the last few. */
    private static final class Log {
        private volatile long count;
        private final String[] details;

        Log(int kept) {
            details = new String[kept];
        }

        synchronized void add(String detail) {
            details[(int) (count % details.length)] = detail;
            count++;
        }

        synchronized Optional<Since> since(Mark mark) {
            long upTo = count;
            if (upTo - mark.changes() > details.length || upTo < mark.changes()) {
                return Optional.empty();
            }
            List<String> after = new ArrayList<>((int) (upTo - mark.changes()));
            for (long i = mark.changes(); i < upTo; i++) {
                String detail = details[(int) (i % details.length)];
                if (detail == null) {
                    return Optional.empty();
                }
                after.add(detail);
            }
            return Optional.of(new Since(new Mark(mark.epoch(), upTo), after));
        }
    }

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
    private final Map<Channel, Map<UUID, Log>> changes = new EnumMap<>(Channel.class);
    /** Per channel, every tenant's notifications in order of arrival, each detail prefixed with its tenant's id. */
    private final Map<Channel, Log> everyTenant = new EnumMap<>(Channel.class);
    /** Whether the last attempt failed (the watch's thread only): a connection that cannot be made is reported once, not every second. */
    private boolean failing;

    /** Used by the watch's thread only (and closed by {@link #stop} to end its wait). */
    private volatile Connection connection;
    private Thread thread;

    public TenantChanges() {
        for (Channel channel : Channel.values()) {
            changes.put(channel, new ConcurrentHashMap<>());
            everyTenant.put(channel, new Log(KEPT_EVERY_TENANT));
        }
    }

    void start(@Observes StartupEvent event) {
        thread = new Thread(this::watch, "tenant-changes");
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
     * A mark for a reader about to read the tenant's rows behind {@code channel} from the database,
     * or {@code null} when the watch cannot vouch for what it reads (not listening).
     */
    public Mark mark(Channel channel, UUID tenant) {
        long at = epoch;
        if (!live) {
            return null;
        }
        Mark mark = new Mark(at, count(channel, tenant));
        return live && epoch == at ? mark : null;
    }

    /** Whether none of the tenant's rows behind {@code channel} can have changed since the mark was taken. */
    public boolean unchanged(Channel channel, UUID tenant, Mark mark) {
        return mark != null && live && epoch == mark.epoch() && count(channel, tenant) == mark.changes();
    }

    /**
     * What arrived for the tenant on {@code channel} since the mark: the details of each change (a
     * notification's payload after the tenant's id) and the mark that covers them, for a reader who
     * can tell whether they touch what it built. Empty when that cannot be told: the watch broke since
     * the mark, a change came without details, or more changes came than are remembered (the last
     * {@value #KEPT_DETAILS} per tenant and channel).
     */
    public Optional<Since> since(Channel channel, UUID tenant, Mark mark) {
        if (mark == null || !live || epoch != mark.epoch()) {
            return Optional.empty();
        }
        Log log = changes.get(channel).get(tenant);
        if (log == null) {
            return mark.changes() == 0 ? Optional.of(new Since(mark, List.of())) : Optional.empty();
        }
        Optional<Since> since = log.since(mark);
        // The epoch read after the details: a break while they were read ends them too.
        return epoch == mark.epoch() && live ? since : Optional.empty();
    }

    /**
     * As {@link #mark}, for a reader of every tenant's rows behind {@code channel} (a replica's
     * placement engine folding in the servers other replicas committed): {@code null} when not listening.
     */
    public Mark markAny(Channel channel) {
        long at = epoch;
        if (!live) {
            return null;
        }
        Mark mark = new Mark(at, everyTenant.get(channel).count);
        return live && epoch == at ? mark : null;
    }

    /**
     * What arrived on {@code channel} for any tenant since a mark of {@link #markAny}, in order of
     * arrival, each detail as the whole payload ({@code "<tenant> <detail>"}); empty when that cannot
     * be told: the watch broke since the mark, a change came without details, or more came than are
     * remembered ({@value #KEPT_EVERY_TENANT} per channel). Changes this replica counted with
     * {@link #changedHere} are not among them until their notification arrives.
     */
    public Optional<Since> sinceAny(Channel channel, Mark mark) {
        if (mark == null || !live || epoch != mark.epoch()) {
            return Optional.empty();
        }
        Optional<Since> since = everyTenant.get(channel).since(mark);
        return epoch == mark.epoch() && live ? since : Optional.empty();
    }

    /**
     * Counts a change of the tenant's rows that this replica has just committed itself (with the
     * details its notification will carry, or {@code null}), so that its
     * own next read does not wait for the notification, which is on its way from PostgreSQL. Call it
     * after the commit (a read between the change and its commit would see the old rows).
     */
    public void changedHere(Channel channel, UUID tenant, String detail) {
        log(channel, tenant).add(detail);
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
        properties.setProperty("ApplicationName", APPLICATION_NAME);
        properties.setProperty("tcpKeepAlive", "true");
        Connection c = new Driver().connect(url, properties);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + url);
        }
        connection = c;
        try (Statement s = c.createStatement()) {
            for (Channel channel : Channel.values()) {
                s.execute("LISTEN " + channel.name);
            }
        }
        // Listening from here on: a mark taken from now is vouched for by what arrives after it.
        epoch++;
        live = true;
        LOG.infof("listening for tenant changes on %s", Arrays.toString(Channel.values()));
        return c.unwrap(PGConnection.class);
    }

    private void count(PGNotification[] arrived) {
        if (arrived == null) {
            return;
        }
        for (PGNotification n : arrived) {
            if (EVERY_TENANT.equals(n.getParameter())) {
                // Rows of every tenant went at once (a TRUNCATE): no mark taken before survives.
                epoch++;
                continue;
            }
            Channel channel = channel(n.getName());
            String payload = n.getParameter();
            int space = payload.indexOf(' ');
            try {
                if (channel != null) {
                    UUID tenant = UUID.fromString(space < 0 ? payload : payload.substring(0, space));
                    log(channel, tenant).add(space < 0 ? null : payload.substring(space + 1));
                    everyTenant.get(channel).add(space < 0 ? null : payload);
                }
            } catch (IllegalArgumentException e) {
                LOG.warnf("ignoring a %s notification with payload '%s'", n.getName(), n.getParameter());
            }
        }
    }

    private static Channel channel(String name) {
        for (Channel channel : Channel.values()) {
            if (channel.name.equals(name)) {
                return channel;
            }
        }
        return null;
    }

    private long count(Channel channel, UUID tenant) {
        Log log = changes.get(channel).get(tenant);
        return log == null ? 0 : log.count;
    }

    private Log log(Channel channel, UUID tenant) {
        return changes.get(channel).computeIfAbsent(tenant, t -> new Log(KEPT_DETAILS));
    }

    /** Stops vouching at once (the epoch moves), then closes the connection; the watch listens again after a pause. */
    private void drop(Exception cause) {
        boolean was = live;
        live = false;
        epoch++;
        if (cause != null && (was || !failing)) {
            LOG.warnf("tenant change watch %s (%s); kept topologies and pages are read again until it listens again",
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
