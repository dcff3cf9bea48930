package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.Throttled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {
    // 5 attempts, 100 ms doubling, capped at 1 s, Retry-After accepted up to 10 s; jitter draws 0.5.
    private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10),
            pause -> { }, () -> 0.5);
    private final ProviderUnavailable fiveHundred = new ProviderUnavailable("aws", "An internal error has occurred.");

    @Test
    void pausesDoubleWithFullJitterUpToTheCap() {
        // ceilings 100, 200, 400, 800 ms; half of each
        assertThat(policy.pauseAfter(1, fiveHundred, Optional.empty(), true)).contains(Duration.ofMillis(50));
        assertThat(policy.pauseAfter(2, fiveHundred, Optional.empty(), true)).contains(Duration.ofMillis(100));
        assertThat(policy.pauseAfter(4, fiveHundred, Optional.empty(), true)).contains(Duration.ofMillis(400));
        assertThat(policy.withRandom(() -> 1.0).pauseAfter(4, fiveHundred, Optional.empty(), true)).contains(Duration.ofMillis(800));
        assertThat(policy.pauseAfter(5, fiveHundred, Optional.empty(), true)).isEmpty();
    }

    @Test
    void retryAfterReplacesTheBackoffAndTooLongAWaitEndsTheRetries() {
        var throttled = new Throttled("aws", "Request limit exceeded.", Duration.ofSeconds(3));

        assertThat(policy.pauseAfter(1, throttled, Optional.empty(), false)).contains(Duration.ofSeconds(3));
        assertThat(policy.pauseAfter(1, fiveHundred, Optional.of(Duration.ofSeconds(7)), true)).contains(Duration.ofSeconds(7));
        assertThat(policy.pauseAfter(1, fiveHundred, Optional.of(Duration.ofSeconds(60)), true)).isEmpty();
    }

    @Test
    void clientErrorsAreNeverRetriedAndUnknownOutcomesOnlyWhenSafe() {
        assertThat(policy.pauseAfter(1, new RequestRejected("aws", "bad"), Optional.empty(), true)).isEmpty();
        assertThat(policy.pauseAfter(1, new AuthenticationFailed("aws", "AuthFailure"), Optional.empty(), true)).isEmpty();
        assertThat(policy.pauseAfter(1, new QuotaExceeded("aws", "VcpuLimitExceeded"), Optional.empty(), true)).isEmpty();
        var timeout = new ProviderTimeout("aws", "no answer");
        assertThat(policy.pauseAfter(1, timeout, Optional.empty(), false)).isEmpty();
        assertThat(policy.pauseAfter(1, timeout, Optional.empty(), true)).contains(Duration.ofMillis(50));
    }

    @Test
    void noneMakesExactlyOneAttempt() {
        assertThat(RetryPolicy.none().pauseAfter(1, new Throttled("aws", "slow down", null), Optional.empty(), true)).isEmpty();
    }
}
