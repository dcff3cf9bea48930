package io.skydeck.operations;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What one kind of operation does at each step. {@link #submit} talks to the provider and
 * runs outside any transaction; {@link #succeeded} and {@link #failed} run inside the
 * transaction that finishes the operation, so the resource and its operation change together.
 */
public interface OperationHandler {

    boolean handles(OperationKind kind);

    /**
     * The token of an action other than create and delete (start, stop, resize, scale): one per
     * operation, the same on every attempt and every replica, so a provider that deduplicates
     * on it acts once however often the operation's submit is repeated.
     */
    static IdempotencyToken actionToken(Operation operation) {
        return IdempotencyToken.of("skydeck-op-" + operation.id());
    }

    /**
     * Asks the provider to do the work. Must be safe to call again for the same operation (it
     * is, after a crash between the call and recording its handle): creates and deletes carry
     * a token derived from the resource, so a repeat returns the first call's handle.
     *
     * @return empty when there is nothing left to do (deleting what is already gone)
     */
    Optional<OperationHandle> submit(Operation operation);

    /** The provider finished at {@code finishedAt}: record the result ({@code handle} is null when nothing was left to do). */
    void succeeded(Operation operation, OperationHandle handle, Instant finishedAt);

    /** As above, with what the provider showed of the result (e.g. the server on the host a resize moved it to). */
    default void succeeded(Operation operation, OperationHandle handle, OperationStatus.Succeeded done) {
        succeeded(operation, handle, done.finishedAt());
    }

    /**
     * Reads what {@link #succeeded} needs to know of the finished work and the poll did not say (a
     * public address the provider chose). Runs after the poll, outside any transaction; a provider
     * error here counts as a failed poll.
     */
    default Map<String, String> outcome(Operation operation, OperationHandle handle) {
        return Map.of();
    }

    /** As above, with what {@link #outcome} read. */
    default void succeeded(Operation operation, OperationHandle handle, OperationStatus.Succeeded done, Map<String, String> outcome) {
        succeeded(operation, handle, done);
    }

    /**
     * The operation gave up: undo what was reserved for it (quota, placement) and mark the resource.
     * A cancel comes here too, with no error and the operation already CANCELLED: it undoes the
     * same things.
     */
    void failed(Operation operation, ProviderException error, Instant at);

    /**
     * The resource's row, read (and locked, after the operation's) by the statement that fences the
     * runner's write of a finished operation, so that {@link #succeeded} and {@link #failed} find
     * it loaded instead of reading it again: its table and entity, whose id is the operation's
     * {@code target_id}. Empty: the handler reads what it needs itself.
     */
    default Optional<TargetRow> targetRow() {
        return Optional.empty();
    }

    /** A table whose rows are the entity {@code entity}, keyed by {@code id}. */
    record TargetRow(String table, Class<?> entity) {
    }

    /**
     * Locks the row of the operation's resource ({@code FOR UPDATE}) for a change made outside the
     * runner — a cancel — after the operation's own row: the runner's order.
     */
    void lockTarget(Operation operation);
}
