package io.skydeck.providers;

import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CapabilitySet;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.Throttled;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The breaker on its own and around a provider's capabilities, with a clock the test moves. */
class CircuitBreakerTest {

    private static final Instant T0 = Instant.parse("2026-04-01T10:00:00Z");
    private final MovableClock clock = new MovableClock(T0);
    private final CircuitBreaker breaker = new CircuitBreaker("aws-prod", 3, Duration.ofSeconds(30), clock);

    @Test
    void threeConsecutiveRetryableFailuresOpenTheCircuitAndTheFourthCallFailsFastWithoutReachingTheProvider() {
        int[] calls = {0};
        Supplier<String> down = () -> {
            calls[0]++;
            throw new ProviderUnavailable("aws-prod", "503 Service Unavailable");
        };
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> breaker.call(down)).hasMessageContaining("503");
        }

        assertThatThrownBy(() -> breaker.call(down))
                .isInstanceOf(ProviderUnavailable.class)
                .hasMessageContaining("circuit open after 3 consecutive failures")
                .hasMessageContaining("2026-04-01T10:00:30Z");
        assertThat(calls[0]).isEqualTo(3);
        assertThat(breaker.snapshot()).isEqualTo(new CircuitBreaker.Snapshot(CircuitBreaker.State.OPEN, 3, T0.plusSeconds(30)));
    }

    @Test
    void aSuccessBetweenFailuresStartsTheCountAgain() {
        fail(new Throttled("aws-prod", "RequestLimitExceeded", Duration.ofSeconds(1)));
        fail(new ProviderTimeout("aws-prod", "read timed out"));
        assertThat(breaker.call(() -> "ok")).isEqualTo("ok");
        fail(new ProviderUnavailable("aws-prod", "500"));
        fail(new ProviderUnavailable("aws-prod", "500"));

        assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.snapshot().consecutiveFailures()).isEqualTo(2);
    }

    @Test
    void aRejectedRequestIsTheProviderAnsweringAndNeverOpensTheCircuit() {
        for (int i = 0; i < 10; i++) {
            fail(new RequestRejected("aws-prod", "InvalidParameterValue"));
        }

        assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.snapshot().consecutiveFailures()).isZero();
    }

    /** Refused credentials are an operator's to fix, not an outage: failing fast would hide the real message. */
    @Test
    void refusedCredentialsNeverOpenTheCircuit() {
        for (int i = 0; i < 10; i++) {
            fail(new AuthenticationFailed("osp", "The request you have made requires authentication."));
        }

        assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.snapshot().consecutiveFailures()).isZero();
    }

    @Test
    void afterTheCoolDownOneTrialCallGoesThroughAndItsSuccessClosesTheCircuit() {
        open();
        clock.advance(Duration.ofSeconds(29));
        assertThatThrownBy(() -> breaker.call(() -> "too early")).hasMessageContaining("circuit open");

        clock.advance(Duration.ofSeconds(1));
        assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.call(() -> "back")).isEqualTo("back");

        assertThat(breaker.snapshot()).isEqualTo(new CircuitBreaker.Snapshot(CircuitBreaker.State.CLOSED, 0, null));
    }

    @Test
    void aFailedTrialCallOpensTheCircuitForAnotherCoolDown() {
        open();
        clock.advance(Duration.ofSeconds(30));

        fail(new ProviderUnavailable("aws-prod", "still 503"));

        // 10:00:30 + 30 s
        assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.snapshot().openUntil()).isEqualTo(Instant.parse("2026-04-01T10:01:00Z"));
    }

    @Test
    void aGuardedProviderCountsCapabilityCallsAndFailsFastOnceOpenWhileHealthSaysDown() {
        Deque<RuntimeException> answers = new ArrayDeque<>(List.of(
                new ProviderUnavailable("aws-prod", "500"), new ProviderUnavailable("aws-prod", "500"),
                new ProviderUnavailable("aws-prod", "500")));
        var cloud = new ScriptedCloud(answers);
        var guarded = new GuardedProvider(cloud, breaker, clock);
        Inventory inventory = guarded.require(Inventory.class);

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> inventory.flavors("us-east-1")).isInstanceOf(ProviderUnavailable.class).hasMessageContaining("500");
        }
        assertThatThrownBy(() -> inventory.flavors("us-east-1")).hasMessageContaining("circuit open");

        assertThat(cloud.calls).isEqualTo(3);
        assertThat(guarded.health().state()).isEqualTo(ProviderHealth.State.DOWN);
        assertThat(guarded.health().detail()).contains("circuit open");
        clock.advance(Duration.ofSeconds(30));
        assertThat(inventory.flavors("us-east-1")).extracting(Flavor::id).containsExactly("t3.micro");
        assertThat(guarded.health().state()).isEqualTo(ProviderHealth.State.UP);
    }

    private void open() {
        for (int i = 0; i < 3; i++) {
            fail(new ProviderUnavailable("aws-prod", "503"));
        }
        assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    private void fail(RuntimeException error) {
        assertThatThrownBy(() -> breaker.call(() -> {
            throw error;
        })).isSameAs(error);
    }

    static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A provider whose inventory throws the scripted errors in turn, then answers one flavor. */
    private static final class ScriptedCloud implements CloudProvider {
        private final Deque<RuntimeException> answers;
        int calls;

        ScriptedCloud(Deque<RuntimeException> answers) {
            this.answers = answers;
        }

        private final Inventory inventory = new Inventory() {
            @Override
            public List<Flavor> flavors(String region) {
                calls++;
                if (!answers.isEmpty()) {
                    throw answers.pop();
                }
                return List.of(new Flavor("t3.micro", "t3.micro", new Resources(2, 1024, 0), 0));
            }

            @Override
            public List<HostCapacity> hosts(String region) {
                return List.of();
            }

            @Override
            public List<ContainerCapacity> containerCapacity(String region) {
                return List.of();
            }
        };

        @Override
        public String name() {
            return "aws-prod";
        }

        @Override
        public ProviderKind kind() {
            return ProviderKind.AWS;
        }

        @Override
        public List<Region> regions() {
            return List.of(new Region("us-east-1", List.of("us-east-1a")));
        }

        @Override
        public Set<CapabilityKind> capabilities() {
            return Set.of(CapabilityKind.INVENTORY);
        }

        @Override
        public <C extends Capability> Optional<C> capability(Class<C> type) {
            return CapabilitySet.empty().with(Inventory.class, inventory).get(type);
        }

        @Override
        public ProviderHealth health() {
            return new ProviderHealth(ProviderHealth.State.UP, "fine", T0);
        }
    }
}
