package io.skydeck.platform.embedded;

import io.skydeck.platform.security.SigningKeys;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Fills in what a newcomer has not configured, so that the service starts with nothing
 * installed: a database (the one named by {@code SKYDECK_DB_URL}, in tests the one named by
 * {@code SKYDECK_TEST_DB_URL}, else an embedded PostgreSQL under the data directory) and a
 * token signing key pair (generated once under the data directory).
 *
 * <p>It is a config source rather than a startup bean because the datasource and JWT
 * verification read their settings before any bean runs. Anything set explicitly
 * ({@code quarkus.datasource.jdbc.url}, {@code mp.jwt.verify.publickey.location}) wins.
 */
public final class EmbeddedDefaultsConfigSourceFactory implements ConfigSourceFactory {

    static final String DATA_DIR = "skydeck.data-dir";
    static final String EMBEDDED_DB_ENABLED = "skydeck.embedded-db.enabled";

    private static final String RUNNING_URL = "io.skydeck.embedded.db.url";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        Map<String, String> defaults = new HashMap<>();
        if (readingBuildTimeConfig()) {
            // The build reads every config source too; starting a database there would be wasted.
            return List.of();
        }
        Path dataDir = Path.of(valueOf(context, DATA_DIR, System.getProperty("user.home") + "/.skydeck"))
                .toAbsolutePath().normalize();

        if (valueOf(context, "quarkus.datasource.jdbc.url", null) == null) {
            boolean testing = context.getProfiles().contains("test");
            String url = System.getenv(testing ? "SKYDECK_TEST_DB_URL" : "SKYDECK_DB_URL");
            if (url != null && !url.isBlank()) {
                String prefix = testing ? "SKYDECK_TEST_DB_" : "SKYDECK_DB_";
                defaults.put("quarkus.datasource.jdbc.url", url);
                defaults.put("quarkus.datasource.username", envOr(prefix + "USER", "postgres"));
                defaults.put("quarkus.datasource.password", envOr(prefix + "PASSWORD", ""));
            } else if (Boolean.parseBoolean(valueOf(context, EMBEDDED_DB_ENABLED, "true"))) {
                defaults.put("quarkus.datasource.jdbc.url", embeddedDatabaseUrl(dataDir.resolve("pgdata")));
                defaults.put("quarkus.datasource.username", "postgres");
                defaults.put("quarkus.datasource.password", "");
            }
        }

        // The local key pair is always there, so the token command works whatever verifies tokens.
        SigningKeys keys = SigningKeys.in(dataDir.resolve("keys")).ensureExist();
        if (valueOf(context, "mp.jwt.verify.publickey.location", null) == null
                && valueOf(context, "mp.jwt.verify.publickey", null) == null) {
            defaults.put("mp.jwt.verify.publickey.location", keys.publicKeyPem().toUri().toString());
        }
        return List.of(new PropertiesConfigSource(defaults, "skydeck-embedded-defaults", 260));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(260);
    }

    /**
     * One embedded server per JVM. The URL is kept in a system property rather than a field
     * because Quarkus builds configuration in more than one class loader (dev mode, tests),
     * each with its own copy of this class. (Not under "skydeck.": that prefix is validated
     * against the typed configuration.)
     */
    private static String embeddedDatabaseUrl(Path pgData) {
        synchronized (System.class) {
            String running = System.getProperty(RUNNING_URL);
            if (running != null) {
                return running;
            }
            EmbeddedDatabase started = EmbeddedDatabase.start(pgData);
            Runtime.getRuntime().addShutdownHook(new Thread(StopAfterApplication.of(started::close), "embedded-postgres-stop"));
            System.setProperty(RUNNING_URL, started.jdbcUrl());
            return started.jdbcUrl();
        }
    }

    private static boolean readingBuildTimeConfig() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                f -> f.getClassName().equals("io.quarkus.deployment.configuration.BuildTimeConfigurationReader")));
    }

    /** The context does not apply profiles for us: "%test.x" wins over "x" in the test profile. */
    private static String valueOf(ConfigSourceContext context, String name, String fallback) {
        for (String profile : context.getProfiles()) {
            String value = raw(context, "%" + profile + "." + name);
            if (value != null) {
                return value;
            }
        }
        String value = raw(context, name);
        return value == null ? fallback : value;
    }

    private static String raw(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null || value.getValue().isBlank() ? null : value.getValue();
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }
}
