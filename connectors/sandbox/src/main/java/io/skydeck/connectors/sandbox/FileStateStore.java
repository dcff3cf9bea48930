package io.skydeck.connectors.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The sandbox's state as one JSON file in a directory, for a sandbox served by one process. A
 * write goes to a temporary file, is forced to disk, and is then renamed over the old one, so a
 * crash leaves either the old state or the new one — never a torn file. A stray temporary file
 * is ignored on load.
 */
public final class FileStateStore implements SandboxStateStore {
    static final String STATE_FILE = "sandbox-state.json";
    private static final String TEMP_FILE = STATE_FILE + ".tmp";

    private final Path directory;

    public FileStateStore(Path directory) {
        this.directory = directory;
        createDirectory();
    }

    @Override
    public Optional<byte[]> load() {
        Path file = directory.resolve(STATE_FILE);
        try {
            return Files.exists(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sandbox state in " + file, e);
        }
    }

    /** Nobody else writes the file. */
    @Override
    public Optional<byte[]> changedElsewhere() {
        return Optional.empty();
    }

    @Override
    public void save(byte[] document) {
        Path temp = directory.resolve(TEMP_FILE);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(document));
                channel.force(true);
            }
            Files.move(temp, directory.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandbox state in " + directory, e);
        }
    }

    /** The caller's own lock is the only one needed. */
    @Override
    public <T> T exclusively(Supplier<T> body) {
        return body.get();
    }

    @Override
    public void forget() {
        if (!Files.exists(directory)) {
            return;
        }
        try (var files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the sandbox state in " + directory, e);
        }
        createDirectory();
    }

    private void createDirectory() {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the sandbox state directory " + directory, e);
        }
    }
}
