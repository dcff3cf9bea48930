package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.Throttled;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When to repeat a failed provider call, and after how long: exponential backoff with full
 * jitter on throttling, 5xx and timeouts; never on any other 4xx.
 *
 * <p>Attempt {@code n} (1-based) that failed is followed by a pause drawn uniformly from
 * {@code [0, min(maxDelay, baseDelay * 2^(n-1))]} — "full jitter", so that many replicas
 * throttled at once do not come back in lockstep. A {@code Retry-After} from the provider
 * replaces the drawn pause; one longer than {@code maxRetryAfter} ends the retries, because
 * the caller's own deadline is better served by failing now.
 *
 * <p>A timeout (or any failure where the provider may have acted, such as an unreadable
 * answer) is repeated only when the call is safe to repeat: a read, or a create carrying a
 * client token. The policy is pure; {@link Sleeper} and the random source are injected so
 * tests neither wait nor guess.
 */
public final class RetryPolicy {

    /** Waits between attempts; tests record instead of sleeping. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration pause) throws InterruptedException;
    }

    private final int maxAttempts;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private final Duration maxRetryAfter;
    private final Sleeper sleeper;
    private final DoubleSupplier random;

    public RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxRetryAfter,
                       Sleeper sleeper, DoubleSupplier random) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("at least one attempt: " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.baseDelay = Objects.requireNonNull(baseDelay, "baseDelay");
        this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
        this.maxRetryAfter = Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Three attempts, 200 ms doubling up to 5 s, Retry-After honoured up to 30 s; real sleeps. */
    public static RetryPolicy standard() {
        return new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30),
                pause -> Thread.sleep(pause.toMillis()), () -> ThreadLocalRandom.current().nextDouble());
    }

    /** One attempt: for a caller (the service's own resilience layer) that retries itself. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO, pause -> { }, () -> 0);
    }

    public RetryPolicy withSleeper(Sleeper sleeper) {
        return new RetryPolicy(maxAttempts, baseDelay, maxDelay, maxRetryAfter, sleeper, random);
    }

    public RetryPolicy withRandom(DoubleSupplier random) {
        return new RetryPolicy(maxAttempts, baseDelay, maxDelay, maxRetryAfter, sleeper, random);
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * The pause before the next attempt, or empty to give up and throw {@code error}.
     *
     * @param failedAttempt  1 for the first attempt
     * @param retryAfter     what the provider asked for, if it did
     * @param safeToRepeat   whether repeating cannot do the work twice
     */
    public Optional<Duration> pauseAfter(int failedAttempt, ProviderException error, Optional<Duration> retryAfter,
                                         boolean safeToRepeat) {
        if (failedAttempt >= maxAttempts || !isTransient(error, safeToRepeat)) {
            return Optional.empty();
        }
        Optional<Duration> asked = retryAfter.or(() -> error instanceof Throttled throttled ? throttled.retryAfter() : Optional.empty());
        if (asked.isPresent()) {
            return asked.get().compareTo(maxRetryAfter) > 0 ? Optional.empty() : asked;
        }
        long ceiling = Math.min(maxDelay.toMillis(), baseDelay.toMillis() << Math.min(failedAttempt - 1, 30));
        return Optional.of(Duration.ofMillis((long) (random.getAsDouble() * ceiling)));
    }

    /** Sleeps; an interrupt ends the retries and leaves the interrupt flag set. */
    boolean pause(Duration pause) {
        try {
            sleeper.sleep(pause);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean isTransient(ProviderException error, boolean safeToRepeat) {
        if (error instanceof Throttled) {
            return true; // a throttled request was refused before anything happened
        }
        if (error instanceof ProviderUnavailable || error instanceof ProviderTimeout) {
            return safeToRepeat;
        }
        return false;
    }

    @Override
    public String toString() {
        return "RetryPolicy[" + maxAttempts + " attempts, backoff " + baseDelay + ".." + maxDelay
                + ", Retry-After up to " + maxRetryAfter + "]";
    }
}
