package io.skydeck.connectors.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;

/**
 * What is wrong with a version, in the sandbox: a bad version for release tests. Marked through
 * {@link SandboxTraffic#markDefective} and kept in the sandbox's state (not with the faults, which
 * live in one process's memory), because a bad version is a property of the simulated world that
 * every replica sharing the sandbox must see, and that a restart must not cure.
 *
 * <p>Which instances fail is decided by a hash of artifact and instance id, not by chance or by
 * order of installation: "fails on 30 % of instances" picks the same instances in every run, and
 * a test computes them with {@link #failsIgnitionOn}. Over many instances the share approaches
 * {@code failingPercent}; over a handful it is whatever the hash gives, which is why tests ask
 * this method instead of assuming a count.
 *
 * @param failingPercent share of instances (0–100) on which the artifact fails its ignition check;
 *                       there every request fails, after the clients' {@link #CLIENT_TIMEOUT}
 * @param errorPercent   share of requests (0–100) the artifact answers with errors on the
 *                       instances where it does start — a version that passes ignition but fails analysis
 * @param addedLatency   added to the p99 latency on those instances
 */
public record ArtifactDefect(String artifact, int failingPercent, int errorPercent, Duration addedLatency) {
    /** How long the simulated clients wait for an instance that does not answer. */
    public static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(3);

    public ArtifactDefect {
        Objects.requireNonNull(artifact, "artifact");
        percent("failingPercent", failingPercent);
        percent("errorPercent", errorPercent);
        Objects.requireNonNull(addedLatency, "addedLatency");
        if (addedLatency.isNegative()) {
            throw new IllegalArgumentException("a defect adds latency: " + addedLatency);
        }
    }

    /** A version whose ignition check fails on {@code percent} of the instances it is installed on. */
    public static ArtifactDefect failsIgnition(String artifact, int percent) {
        return new ArtifactDefect(artifact, percent, 0, Duration.ZERO);
    }

    /** A version that starts everywhere but answers {@code errorPercent} of requests with errors and slower. */
    public static ArtifactDefect servesErrors(String artifact, int errorPercent, Duration addedLatency) {
        return new ArtifactDefect(artifact, 0, errorPercent, addedLatency);
    }

    /** Whether this artifact fails its ignition check on {@code instanceId}: its hash bucket (0–99) is below the percentage. */
    public boolean failsIgnitionOn(String instanceId) {
        return bucket(artifact + "\n" + instanceId, 100) < failingPercent;
    }

    /** A stable number in [0, buckets) for {@code key}: the first four bytes of its SHA-256. */
    static int bucket(String key, int buckets) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            long value = ((digest[0] & 0xffL) << 24) | ((digest[1] & 0xffL) << 16) | ((digest[2] & 0xffL) << 8) | (digest[3] & 0xffL);
            return (int) (value % buckets);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void percent(String name, int value) {
        if (value < 0 || value > 100) {
            throw new IllegalArgumentException(name + " is 0 to 100: " + value);
        }
    }
}
