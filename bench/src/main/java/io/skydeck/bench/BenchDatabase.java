package io.skydeck.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * What the database harnesses share: the PostgreSQL named by {@code SKYDECK_BENCH_DB_URL}, a schema
 * of the run's own (created here, dropped on close and also on a JVM exit, so a deadline or Ctrl-C
 * leaves nothing behind), and the lines that say how a run was made.
 */
final class BenchDatabase implements AutoCloseable {

    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";

    final String url;
    final String schema;
    private final String user;
    private final String password;
    private final Thread dropOnExit;
    private boolean dropped;

    private BenchDatabase(String url, String user, String password, String schema) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
        this.dropOnExit = new Thread(this::dropSchema, "drop-bench-schema");
    }

    static BenchDatabase create() throws SQLException {
        String url = env("SKYDECK_BENCH_DB_URL", DEFAULT_URL);
        BenchDatabase db = new BenchDatabase(url, env("SKYDECK_BENCH_DB_USER", "postgres"), env("SKYDECK_BENCH_DB_PASSWORD", ""),
                "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        try (Connection c = DriverManager.getConnection(url, db.user, db.password); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + db.schema);
        }
        Runtime.getRuntime().addShutdownHook(db.dropOnExit);
        return db;
    }

    /** A connection whose unqualified names resolve in the run's schema, with UTC as its time zone. */
    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, user, password);
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
            s.execute("SET TimeZone TO 'UTC'");
            // A harness must stop by itself even if the database hangs on something.
            s.execute("SET statement_timeout TO '600s'");
        }
        return c;
    }

    static String migration(String name) {
        try (InputStream in = BenchDatabase.class.getResourceAsStream("/db/migration/" + name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (bench/pom.xml copies it from src/main/resources)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void execute(Connection c, String... sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String one : sql) {
                s.execute(one);
            }
        }
    }

    static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Flushes dirty pages so that one measured pass does not pay for the previous one's writes. */
    static void checkpoint(Connection c) {
        try {
            execute(c, "CHECKPOINT");
        } catch (SQLException e) {
            // Not a superuser: measurements are noisier, not wrong.
            System.out.println("note: CHECKPOINT refused (" + e.getMessage().strip() + "); passes may pay for each other's writes");
        }
    }

    /** JVM, heap, cores, database server and the settings that move COPY figures. */
    void describe(Connection c) throws SQLException {
        List<String> gcs = new ArrayList<>();
        ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> gcs.add(gc.getName()));
        System.out.printf(Locale.ROOT, "jvm: %s %s (%s), gc: %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("java.vm.vendor"), String.join(", ", gcs));
        System.out.printf(Locale.ROOT, "jvm args: %s%n", ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.printf(Locale.ROOT, "cores: %d, max heap: %d MiB, load average: %.2f%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        StringBuilder settings = new StringBuilder();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem',"
                     + " 'synchronous_commit', 'fsync', 'wal_level', 'max_wal_size', 'max_parallel_workers_per_gather') ORDER BY name")) {
            while (rs.next()) {
                settings.append(settings.length() == 0 ? "" : ", ").append(rs.getString(1)).append('=').append(rs.getString(2));
            }
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            System.out.printf(Locale.ROOT, "database: %s (user %s), schema %s%n  %s%n  %s%n", url, user, schema, rs.getString(1),
                    settings);
        }
    }

    private synchronized void dropSchema() {
        if (dropped) {
            return;
        }
        dropped = true;
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            System.err.println("could not drop schema " + schema + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        dropSchema();
        try {
            Runtime.getRuntime().removeShutdownHook(dropOnExit);
        } catch (IllegalStateException exiting) {
            // already shutting down: the hook ran or will find the schema dropped
        }
    }

    /**
     * Stops the JVM after {@code seconds} whatever the harness is doing; the shutdown hook still
     * drops the schema. The harness runs queries with a statement timeout, so this is the last resort.
     */
    static void deadline(String harness, long seconds) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.printf(Locale.ROOT, "%s: deadline of %d s passed; stopping without a figure%n", harness, seconds);
            System.exit(3);
        }, "deadline");
        t.setDaemon(true);
        t.start();
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options look like --records=1000000, not " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return options;
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
