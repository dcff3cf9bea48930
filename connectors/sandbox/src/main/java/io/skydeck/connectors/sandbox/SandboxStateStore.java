package io.skydeck.connectors.sandbox;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where a {@link SandboxCloud} keeps its state document (opaque JSON bytes to the store).
 *
 * <p>A store used by one process ({@link FileStateStore}) has nothing to coordinate. A store
 * shared by several processes ({@link DatabaseStateStore}) makes each mutation exclusive across
 * all of them and tells a process when another one changed the document, so every process
 * serving the same sandbox sees one simulated cloud.
 */
public interface SandboxStateStore extends AutoCloseable {

    /** The stored document, or empty when the cloud is new. */
    Optional<byte[]> load();

    /**
     * The document, if someone else changed it since this store last loaded or saved it; empty
     * when what the caller holds is current.
     */
    Optional<byte[]> changedElsewhere();

    /** Replaces the document; only called inside {@link #exclusively}. */
    void save(byte[] document);

    /**
     * Runs {@code body} as the only writer of the document. If {@code body} throws, nothing it
     * saved is kept.
     */
    <T> T exclusively(Supplier<T> body);

    /** Forgets the document: the cloud starts empty. */
    void forget();

    @Override
    default void close() {
    }
}
