package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ResourceRef;

import java.time.Instant;
import java.util.Optional;

/**
 * An accepted operation as the sandbox keeps it. It finishes at {@code dueAt} on the injected
 * clock; whether it then fails was decided when it was accepted ({@code plannedFailure}), so
 * finishing is a pure function of the persisted state and the time — which is what makes the
 * sandbox deterministic and lets a restarted instance finish what a crashed one accepted.
 * {@code silentlyRefused} operations end without an error and without doing anything.
 */
record SandboxOperation(
        String id,
        OperationKind kind,
        ResourceRef resource,
        Optional<IdempotencyToken> token,
        Instant acceptedAt,
        Instant dueAt,
        Optional<String> argument,
        Optional<RecordedFailure> plannedFailure,
        Outcome outcome,
        boolean silentlyRefused) {

    enum Outcome { PENDING, SUCCEEDED, FAILED }

    SandboxOperation finished() {
        Outcome end = plannedFailure.isPresent() ? Outcome.FAILED : Outcome.SUCCEEDED;
        return new SandboxOperation(id, kind, resource, token, acceptedAt, dueAt, argument, plannedFailure, end, silentlyRefused);
    }

    boolean pending() {
        return outcome == Outcome.PENDING;
    }

    OperationHandle handle(String provider) {
        return new OperationHandle(provider, id, kind, resource, token, acceptedAt);
    }

    OperationStatus status(String provider) {
        OperationHandle handle = handle(provider);
        return switch (outcome) {
            case PENDING -> new OperationStatus.InProgress(handle, kind + " " + resource.type() + " until " + dueAt);
            case SUCCEEDED -> new OperationStatus.Succeeded(handle, dueAt);
            case FAILED -> new OperationStatus.Failed(handle, dueAt, plannedFailure.orElseThrow().toException(provider));
        };
    }
}
