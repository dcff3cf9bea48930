package io.skydeck.connectors.sandbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The sandbox's state as one row of a PostgreSQL table, for a sandbox served by several
 * processes at once (replicas of the service behind a load balancer).
 *
 * <p>A mutation runs in a transaction that first locks the cloud's row ({@code SELECT … FOR
 * UPDATE}), so mutations of all processes are serialised; it reads the document again only if
 * the row's version moved since this process last saw it, and its save bumps the version. A
 * read asks for the document only when the version moved, so an idle cloud costs one short
 * query per call.
 *
 * <p>The store keeps its own connection, outside any transaction of its caller's: the sandbox
 * plays a remote cloud, and a cloud's writes do not roll back with the caller's.
 */
public final class DatabaseStateStore implements SandboxStateStore {

    /** Opens a new connection to the database that holds the table. */
    @FunctionalInterface
    public interface ConnectionOpener {
        Connection open() throws SQLException;
    }

    static final String TABLE = "sandbox_cloud";

    private final ConnectionOpener opener;
    private final String cloud;
    private Connection connection;
    /** The version of the document this process last loaded or saved; -1 before the first. */
    private long seenVersion = -1;
    private boolean inTurn;

    /**
     * @param cloud the sandbox's name: one row per simulated cloud
     */
    public DatabaseStateStore(ConnectionOpener opener, String cloud) {
        this.opener = Objects.requireNonNull(opener, "opener");
        this.cloud = Objects.requireNonNull(cloud, "cloud");
        run(c -> {
            try (Statement ddl = c.createStatement()) {
                ddl.execute("CREATE TABLE IF NOT EXISTS " + TABLE
                        + " (name text PRIMARY KEY, version bigint NOT NULL, state bytea)");
            } catch (SQLException e) {
                // Two processes creating the table at once: one wins, the other sees it exist.
                if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                    throw e;
                }
            }
            try (PreparedStatement row = c.prepareStatement("INSERT INTO " + TABLE
                    + " (name, version, state) VALUES (?, 0, NULL) ON CONFLICT (name) DO NOTHING")) {
                row.setString(1, cloud);
                row.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public synchronized Optional<SandboxState> load() {
        return run(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT version, state FROM " + TABLE + " WHERE name = ?")) {
                select.setString(1, cloud);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        throw new IllegalStateException("the sandbox row of " + cloud + " is gone");
                    }
                    seenVersion = row.getLong(1);
                    return Optional.ofNullable(row.getBytes(2)).map(SandboxJson::read);
                }
            }
        });
    }

    @Override
    public synchronized Optional<SandboxState> changedElsewhere() {
        return run(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT version, CASE WHEN version <> ? THEN state END FROM " + TABLE + " WHERE name = ?")) {
                select.setLong(1, seenVersion);
                select.setString(2, cloud);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        throw new IllegalStateException("the sandbox row of " + cloud + " is gone");
                    }
                    long version = row.getLong(1);
                    if (version == seenVersion) {
                        return Optional.empty();
                    }
                    seenVersion = version;
                    // A forgotten cloud (state NULL) reads as an empty one.
                    byte[] state = row.getBytes(2);
                    return Optional.of(state == null ? new SandboxState() : SandboxJson.read(state));
                }
            }
        });
    }

    /** Saves the whole document: another process may load it next. */
    @Override
    public synchronized void save(SandboxState state) {
        if (!inTurn) {
            throw new IllegalStateException("save outside exclusively()");
        }
        byte[] document = SandboxJson.write(state);
        run(c -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE " + TABLE + " SET state = ?, version = version + 1 WHERE name = ? RETURNING version")) {
                update.setBytes(1, document);
                update.setString(2, cloud);
                try (ResultSet row = update.executeQuery()) {
                    row.next();
                    seenVersion = row.getLong(1);
                }
            }
            return null;
        });
    }

    @Override
    public synchronized <T> T exclusively(Supplier<T> body) {
        if (inTurn) {
            return body.get();
        }
        long versionBefore = seenVersion;
        Connection c = connection();
        try {
            c.setAutoCommit(false);
            try (PreparedStatement lock = c.prepareStatement("SELECT version FROM " + TABLE + " WHERE name = ? FOR UPDATE")) {
                lock.setString(1, cloud);
                lock.executeQuery().close();
            }
        } catch (SQLException e) {
            discard();
            throw new IllegalStateException("cannot lock the sandbox state of " + cloud + ": " + e.getMessage(), e);
        }
        inTurn = true;
        boolean done = false;
        try {
            T result = body.get();
            c.commit();
            done = true;
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot commit the sandbox state of " + cloud + ": " + e.getMessage(), e);
        } finally {
            inTurn = false;
            if (!done) {
                seenVersion = versionBefore;
                rollbackQuietly(c);
            }
            try {
                c.setAutoCommit(true);
            } catch (SQLException e) {
                discard();
            }
        }
    }

    @Override
    public synchronized void forget() {
        run(c -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE " + TABLE + " SET state = NULL, version = version + 1 WHERE name = ?")) {
                update.setString(1, cloud);
                update.executeUpdate();
            }
            return null;
        });
        seenVersion = -1;
    }

    @Override
    public synchronized void close() {
        discard();
    }

    // ---- the connection ----------------------------------------------------------------------

    private interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    /** Runs {@code work}; outside a turn, once more on a new connection if the old one broke. */
    private <T> T run(Work<T> work) {
        try {
            return work.on(connection());
        } catch (SQLException first) {
            if (inTurn || isValid()) {
                throw new IllegalStateException("sandbox state of " + cloud + ": " + first.getMessage(), first);
            }
            discard();
            try {
                return work.on(connection());
            } catch (SQLException second) {
                discard();
                throw new IllegalStateException("sandbox state of " + cloud + ": " + second.getMessage(), second);
            }
        }
    }

    private Connection connection() {
        if (connection == null) {
            try {
                connection = opener.open();
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot connect to the sandbox's database: " + e.getMessage(), e);
            }
        }
        return connection;
    }

    private boolean isValid() {
        try {
            return connection != null && connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private void discard() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the server rolled back
        }
    }
}
