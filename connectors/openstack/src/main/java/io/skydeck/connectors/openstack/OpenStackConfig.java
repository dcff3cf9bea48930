package io.skydeck.connectors.openstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One configured OpenStack cloud. A plain record so that the service maps its typed
 * configuration onto it and tests build it directly; the password is only ever named here
 * (an environment variable or a secret file), never held, so this record is safe to log.
 *
 * @param name            the provider name Skydeck knows this cloud by ("openstack-fra")
 * @param identityUrl     Keystone v3, e.g. {@code https://keystone.example.com:5000/v3}
 * @param user            the API user
 * @param password        where the user's password is read from
 * @param userDomain      the user's domain name ("Default")
 * @param project         the project every call is scoped to
 * @param projectDomain   the project's domain name ("Default")
 * @param regions         the catalog regions this provider serves ("RegionOne")
 * @param floatingIpPool  the external network that floating IPs come from when a request names none
 * @param overcommit      Nova's allocation ratios, which the hypervisor API does not report
 * @param timeouts        connect and read timeouts of every HTTP call
 */
public record OpenStackConfig(
        String name,
        String identityUrl,
        String user,
        PasswordSource password,
        String userDomain,
        String project,
        String projectDomain,
        List<String> regions,
        Optional<String> floatingIpPool,
        Overcommit overcommit,
        Timeouts timeouts) {

    public OpenStackConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(identityUrl, "identityUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(userDomain, "userDomain");
        Objects.requireNonNull(project, "project");
        Objects.requireNonNull(projectDomain, "projectDomain");
        regions = List.copyOf(regions);
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("an OpenStack provider serves at least one region");
        }
        Objects.requireNonNull(floatingIpPool, "floatingIpPool");
        Objects.requireNonNull(overcommit, "overcommit");
        Objects.requireNonNull(timeouts, "timeouts");
    }

    /** The usual shape: domain "Default" for user and project, default ratios and timeouts. */
    public static OpenStackConfig of(String name, String identityUrl, String user, PasswordSource password,
                                     String project, String region) {
        return new OpenStackConfig(name, identityUrl, user, password, "Default", project, "Default",
                List.of(region), Optional.empty(), Overcommit.NONE, Timeouts.DEFAULT);
    }

    public OpenStackConfig withTimeouts(Timeouts timeouts) {
        return new OpenStackConfig(name, identityUrl, user, password, userDomain, project, projectDomain,
                regions, floatingIpPool, overcommit, timeouts);
    }

    public OpenStackConfig withFloatingIpPool(String pool) {
        return new OpenStackConfig(name, identityUrl, user, password, userDomain, project, projectDomain,
                regions, Optional.of(pool), overcommit, timeouts);
    }

    public OpenStackConfig withOvercommit(Overcommit overcommit) {
        return new OpenStackConfig(name, identityUrl, user, password, userDomain, project, projectDomain,
                regions, floatingIpPool, overcommit, timeouts);
    }

    /** Where the password lives. Resolved at each authentication, so a rotated secret file is picked up. */
    public sealed interface PasswordSource {
        /** @param lookup the environment, injected so tests need not set real variables */
        String resolve(Function<String, String> lookup);

        static PasswordSource fromEnv(String variable) {
            return new FromEnv(variable);
        }

        static PasswordSource fromFile(Path file) {
            return new FromFile(file);
        }

        record FromEnv(String variable) implements PasswordSource {
            public FromEnv {
                Objects.requireNonNull(variable, "variable");
            }

            @Override
            public String resolve(Function<String, String> lookup) {
                String value = lookup.apply(variable);
                if (value == null || value.isEmpty()) {
                    throw new IllegalStateException("environment variable " + variable + " (OpenStack password) is not set");
                }
                return value;
            }
        }

        record FromFile(Path file) implements PasswordSource {
            public FromFile {
                Objects.requireNonNull(file, "file");
            }

            @Override
            public String resolve(Function<String, String> lookup) {
                try {
                    // Secret files written by Kubernetes or editors often end in a newline that is not part of the password.
                    return Files.readString(file, StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the OpenStack password file " + file, e);
                }
            }
        }
    }

    /**
     * Nova's {@code cpu_allocation_ratio} and {@code ram_allocation_ratio}: host capacity as
     * placement sees it is the hypervisor's raw figure times these.
     */
    public record Overcommit(double cpu, double ram) {
        public static final Overcommit NONE = new Overcommit(1.0, 1.0);

        public Overcommit {
            if (cpu < 1.0 || ram < 1.0) {
                throw new IllegalArgumentException("allocation ratios are at least 1.0: cpu " + cpu + ", ram " + ram);
            }
        }
    }

    /** Connect and read timeouts of every HTTP call the connector makes. */
    public record Timeouts(Duration connect, Duration read) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30));

        public Timeouts {
            Objects.requireNonNull(connect, "connect");
            Objects.requireNonNull(read, "read");
            if (connect.isNegative() || connect.isZero() || read.isNegative() || read.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + connect + ", " + read);
            }
        }
    }

    /** Reads the password from the process environment. */
    String resolvePassword() {
        return password.resolve(System::getenv);
    }

    /** For tests that pass an environment of their own. */
    String resolvePassword(Map<String, String> environment) {
        return password.resolve(environment::get);
    }
}
