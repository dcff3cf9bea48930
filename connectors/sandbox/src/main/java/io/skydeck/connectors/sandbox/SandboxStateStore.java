package io.skydeck.connectors.sandbox;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where a {@link SandboxCloud} keeps its state.
 *
 * <p>A store used by one process ({@link FileStateStore}) has nothing to coordinate, so it
 * journals: a save appends what the mutation changed, and the document is rewritten only now
 * and then. A store shared by several processes ({@link DatabaseStateStore}) makes each mutation
 * exclusive across all of them and tells a process when another one changed the document, so
 * every process serving the same sandbox sees one simulated cloud; it saves whole documents,
 * since another process may have to read the document at any moment.
 */
public sealed interface SandboxStateStore extends AutoCloseable permits FileStateStore, DatabaseStateStore {

    /** The stored state, or empty when the cloud is new. */
    Optional<SandboxState> load();

    /**
     * The state, if someone else changed it since this store last loaded or saved it; empty
     * when what the caller holds is current.
     */
    Optional<SandboxState> changedElsewhere();

    /**
     * Makes {@code state} durable before returning: its changes since it was last saved (see
     * {@link SandboxState#changesSaved()}), or the whole document, as the store chooses. Only
     * called inside {@link #exclusively}; the caller marks the changes saved once this returns.
     */
    void save(SandboxState state);

    /**
     * Runs {@code body} as the only writer of the state. If {@code body} throws, nothing it
     * saved is kept.
     */
    <T> T exclusively(Supplier<T> body);

    /** Forgets the state: the cloud starts empty. */
    void forget();

    @Override
    default void close() {
    }
}
