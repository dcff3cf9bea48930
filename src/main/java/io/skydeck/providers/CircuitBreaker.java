package io.skydeck.providers;

import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderUnavailable;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One provider's circuit: CLOSED lets calls through and counts consecutive retryable failures;
 * at the threshold it OPENs and every call fails fast with {@link ProviderUnavailable} "circuit
 * open" until the cool-down has passed; then one trial call goes through (HALF_OPEN) and its
 * outcome closes or re-opens the circuit.
 *
 * <p>Only retryable failures (5xx, throttling, timeouts) count: a 4xx is the provider answering,
 * which proves it is up. Without the breaker a cloud that is down would have every operation's
 * retries, the drift sync and each provider listing wait out its full timeout.
 */
public final class CircuitBreaker {

    public enum State { CLOSED, OPEN, HALF_OPEN }

    /** What {@code GET /v1/providers} shows. */
    public record Snapshot(State state, int consecutiveFailures, Instant openUntil) {
    }

    private final String provider;
    private final int failureThreshold;
    private final Duration coolDown;
    private final Clock clock;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private Instant openUntil;
    private boolean trialInFlight;

    public CircuitBreaker(String provider, int failureThreshold, Duration coolDown, Clock clock) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("a circuit opens after at least one failure: " + failureThreshold);
        }
        this.provider = Objects.requireNonNull(provider, "provider");
        this.failureThreshold = failureThreshold;
        this.coolDown = Objects.requireNonNull(coolDown, "coolDown");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Runs {@code call} unless the circuit is open, and records how it went. */
    public <T> T call(Supplier<T> call) {
        boolean trial = admit();
        try {
            T result = call.get();
            succeeded();
            return result;
        } catch (ProviderException e) {
            if (e.retryable()) {
                failed();
            } else {
                succeeded();
            }
            throw e;
        } catch (RuntimeException e) {
            // Not the provider's answer (a bug, a capability it lacks): says nothing about its health.
            release(trial);
            throw e;
        }
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(currentState(), consecutiveFailures, state == State.CLOSED ? null : openUntil);
    }

    private synchronized boolean admit() {
        State now = currentState();
        if (now == State.CLOSED) {
            return false;
        }
        if (now == State.HALF_OPEN && !trialInFlight) {
            state = State.HALF_OPEN;
            trialInFlight = true;
            return true;
        }
        throw new ProviderUnavailable(provider, now == State.OPEN
                ? "circuit open after " + consecutiveFailures + " consecutive failures; calls fail fast until " + openUntil
                : "circuit open; a trial call is testing whether the provider is back", "circuit-open", null);
    }

    private synchronized void succeeded() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        openUntil = null;
        trialInFlight = false;
    }

    private synchronized void failed() {
        consecutiveFailures++;
        trialInFlight = false;
        if (state == State.HALF_OPEN || consecutiveFailures >= failureThreshold) {
            state = State.OPEN;
            openUntil = clock.instant().plus(coolDown);
        }
    }

    private synchronized void release(boolean trial) {
        if (trial) {
            trialInFlight = false;
        }
    }

    /** OPEN turns HALF_OPEN by the clock alone, so a snapshot shows it without a call. */
    private State currentState() {
        if (state == State.OPEN && !clock.instant().isBefore(openUntil)) {
            return State.HALF_OPEN;
        }
        return state;
    }
}
