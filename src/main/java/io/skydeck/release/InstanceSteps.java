package io.skydeck.release;

import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.release.rollout.StepCall;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Runs one step of one instance against the provider, outside any transaction, and says how it
 * went. Every step may run twice (a driver that died before recording it is replaced by one that
 * runs it again), so each is idempotent: pulling out or in what already is changes nothing, an
 * install names a token derived from the release and the instance, and a health check only reads.
 *
 * <p>The capabilities are looked up on the group's provider like every other capability
 * ({@code require(Deployments.class)}); a provider without {@link TrafficControl}, or a group
 * without a traffic target, runs without pull-out and pull-in: the release says so from its start
 * (its {@code trafficControl} note) rather than failing, since updating an instance in traffic is
 * what such a group does without Skydeck too.
 *
 * <p>FETCH does nothing here: the package is fetched by the instance itself, whose install hook is
 * given the version's URL and SHA-256 in the {@link InstallSpec} and refuses a package whose sum
 * differs — the install then fails, and with it the instance. Nothing is downloaded by the service.
 */
@ApplicationScoped
public class InstanceSteps {

    /**
     * What a release's steps need, read once when a driver starts; {@code route} is an AB_TEST
     * release's header route; {@code pods} when the group is a workload and its instances are pods.
     */
    public record Plan(UUID releaseId, String provider, String region, Optional<TrafficTarget> traffic, String artifact,
                       Optional<String> packageUrl, Optional<String> sha256, Map<String, ReleaseProgress.Target> targets,
                       Optional<HeaderRoute> route, boolean pods, Duration ignitionTimeout) {
    }

    /** Requests carrying {@code header: value} go to {@code variantInstances} (provider ids: the standby group). */
    public record HeaderRoute(String header, String value, Set<String> variantInstances) {
    }

    /** A step's outcome; {@code failure} says why when it failed. */
    public record Result(StepCall call, boolean succeeded, String failure) {
    }

    private static final int TRANSIENT_TRIES = 3;

    @Inject
    ProviderRegistry providers;

    @Inject
    ReleaseConfig config;

    public Result run(Plan plan, StepCall call) {
        ReleaseProgress.Target target = plan.targets().get(call.instance());
        try {
            switch (call.step()) {
                case PULL_OUT -> plan.traffic().ifPresent(t -> retrying(() -> traffic(plan).pullOut(t, target.providerInstanceId())));
                case PULL_IN -> plan.traffic().ifPresent(t -> retrying(() -> traffic(plan).pullIn(t, target.providerInstanceId())));
                case ROUTE -> {
                    // Of the target, not of the instance it is given out on (see Switchover): the whole standby group.
                    HeaderRoute route = plan.route().orElseThrow(() -> new IllegalStateException("the release routes no header"));
                    TrafficTarget t = plan.traffic().orElseThrow(() -> new IllegalStateException("the release has no traffic target"));
                    retrying(() -> traffic(plan).routeByHeader(t, route.variantInstances(), route.header(), route.value()));
                }
                case UNROUTE -> plan.traffic().ifPresent(t -> retrying(() -> traffic(plan).routeByHeader(t, Set.of(), null, null)));
                case FETCH -> {
                    // The instance fetches and checks the package during the install (see the class comment).
                }
                case INSTALL -> {
                    return install(plan, call, new InstallSpec(plan.region(), target.providerInstanceId(), plan.artifact(),
                            plan.packageUrl(), plan.sha256()), "install");
                }
                case RESTORE -> {
                    return install(plan, call, new InstallSpec(plan.region(), target.providerInstanceId(), target.previousArtifact(),
                            Optional.empty(), Optional.empty()), "restore");
                }
                case IGNITION_CHECK -> {
                    return ignition(plan, call, target);
                }
            }
            return new Result(call, true, null);
        } catch (ResourceNotFound e) {
            return new Result(call, false, gone(plan, target, e));
        } catch (ProviderException e) {
            return new Result(call, false, e.getMessage());
        } catch (RuntimeException e) {
            return new Result(call, false, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private Result install(Plan plan, StepCall call, InstallSpec spec, String purpose) {
        Deployments deployments = provider(plan).require(Deployments.class);
        IdempotencyToken token = token(plan.releaseId(), call.instance(), purpose);
        OperationHandle handle = transiently(() -> deployments.install(spec, token));
        long deadline = System.nanoTime() + config.installTimeout().toNanos();
        while (true) {
            OperationStatus status = transiently(() -> deployments.poll(handle));
            if (status instanceof OperationStatus.Succeeded) {
                return new Result(call, true, null);
            }
            if (status instanceof OperationStatus.Failed failed) {
                return new Result(call, false, failed.error() instanceof ResourceNotFound gone
                        ? gone(plan, plan.targets().get(call.instance()), gone) : failed.error().getMessage());
            }
            if (System.nanoTime() > deadline) {
                return new Result(call, false, "the " + purpose + " did not finish within " + config.installTimeout());
            }
            pause();
        }
    }

    private Result ignition(Plan plan, StepCall call, ReleaseProgress.Target target) {
        Deployments deployments = provider(plan).require(Deployments.class);
        long deadline = System.nanoTime() + plan.ignitionTimeout().toNanos();
        while (true) {
            InstanceHealth health = transiently(() -> deployments.health(plan.region(), target.providerInstanceId()));
            if (health.healthy()) {
                return new Result(call, true, null);
            }
            if (System.nanoTime() > deadline) {
                return new Result(call, false, "not healthy within " + plan.ignitionTimeout() + ": " + health.detail());
            }
            pause();
        }
    }

    /**
     * Why a step failed on an instance the provider no longer has. A pod that vanished mid-release
     * was deleted or replaced by its controller: the release does not follow it to its
     * replacement (see {@link ReleaseService}), and says so, rather than only "not found".
     */
    private static String gone(Plan plan, ReleaseProgress.Target target, ResourceNotFound e) {
        if (plan.pods() && target != null && target.providerInstanceId().equals(e.id())) {
            return "pod " + target.providerInstanceId() + " is gone: deleted or replaced by its controller during the release. "
                    + "Its replacement runs the workload's template image and is not part of this release; release the workload again "
                    + "to bring it onto the version (" + e.getMessage() + ")";
        }
        return e.getMessage();
    }

    /**
     * The token of an install: the same for every run of the same step of the same instance of the
     * same release, so a repeated install is the provider's no-op, never a second install.
     */
    static IdempotencyToken token(UUID releaseId, String instance, String purpose) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((releaseId + "/" + instance + "/" + purpose).getBytes(StandardCharsets.UTF_8));
            return IdempotencyToken.of("skydeck-rel-" + HexFormat.of().formatHex(digest, 0, 20));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private <T> T transiently(java.util.function.Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (ProviderException e) {
                if (!e.retryable() || attempt >= TRANSIENT_TRIES) {
                    throw e;
                }
                pause();
            }
        }
    }

    private void retrying(Runnable call) {
        transiently(() -> {
            call.run();
            return null;
        });
    }

    private void pause() {
        try {
            Thread.sleep(config.pollInterval().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting on the provider", e);
        }
    }

    private CloudProvider provider(Plan plan) {
        return providers.get(plan.provider());
    }

    private TrafficControl traffic(Plan plan) {
        return provider(plan).require(TrafficControl.class);
    }
}
