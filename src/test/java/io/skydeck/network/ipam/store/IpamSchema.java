package io.skydeck.network.ipam.store;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.skydeck.platform.embedded.EmbeddedDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

/**
 * The PostgreSQL named by {@code SKYDECK_TEST_DB_URL} (or, without it, an embedded one), in a
 * schema of the test's own made from migration V20's text and dropped on close, and connection
 * pools on it: one per simulated replica, as each service replica has its own.
 */
final class IpamSchema implements AutoCloseable {

    private static EmbeddedDatabase embedded;

    final String schema = "ipam_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String url;
    private final String user;
    private final String password;

    IpamSchema() throws SQLException {
        String named = System.getenv("SKYDECK_TEST_DB_URL");
        if (named == null || named.isBlank()) {
            synchronized (IpamSchema.class) {
                if (embedded == null) {
                    try {
                        embedded = EmbeddedDatabase.start(Files.createTempDirectory("skydeck-ipam").resolve("pgdata"));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
                }
            }
            url = embedded.jdbcUrl();
            user = embedded.user();
            password = "";
        } else {
            url = named;
            user = env("SKYDECK_TEST_DB_USER", "postgres");
            password = env("SKYDECK_TEST_DB_PASSWORD", "");
        }
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("SET search_path TO " + schema);
            s.execute(migration());
        }
    }

    /** A pool of its own on the schema: one replica's. */
    AgroalDataSource pool(int maxSize) throws SQLException {
        return pool(maxSize, "ipam-test");
    }

    /** A replica's pool whose connections carry {@code applicationName}, so a test can cut them. */
    AgroalDataSource pool(int maxSize, String applicationName) throws SQLException {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(p -> p.maxSize(maxSize).acquisitionTimeout(Duration.ofSeconds(30))
                        .connectionFactoryConfiguration(f -> f.jdbcUrl(url).principal(new NamePrincipal(user))
                                .credential(new SimplePassword(password)).autoCommit(true)
                                .jdbcProperty("ApplicationName", applicationName)
                                .initialSql("SET search_path TO " + schema))));
    }

    /** How another process reaches this schema: URL, user, password, schema. */
    java.util.List<String> coordinates() {
        return java.util.List.of(url, user, password, schema);
    }

    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url, user, password);
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path TO " + schema);
        }
        return c;
    }

    long query(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    /** The IPAM's migrations: its tables (V20) and the owner index dropped (V32). */
    private static String migration() {
        return migration("V20__ipam.sql") + "\n" + migration("V32__ipam_without_owner_index.sql");
    }

    private static String migration(String name) {
        try (InputStream in = IpamSchema.class.getResourceAsStream("/db/migration/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
