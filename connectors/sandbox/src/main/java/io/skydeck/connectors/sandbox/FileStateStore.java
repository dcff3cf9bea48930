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
 * The sandbox's state in a directory, for a sandbox served by one process: a snapshot
 * ({@value #STATE_FILE}, the whole document) and a journal beside it ({@value #JOURNAL_FILE}),
 * one line of {@link SandboxChanges} per mutation.
 *
 * <p>Rewriting the whole document on every mutation made each call cost as much as everything
 * the cloud ever held; appending what changed costs what changed. A save appends one line and
 * forces the journal before returning, so a crash never loses an accepted mutation. When the
 * journal holds more lines than max({@value #MIN_LINES_BEFORE_SNAPSHOT}, the number of things in
 * the cloud) or more bytes than the snapshot, the state is folded into a new snapshot (written to
 * a temporary file, forced, renamed over the old one) that records the last line it contains, and
 * the journal is emptied. A crash between the rename and the emptying leaves lines the snapshot
 * already holds: loading skips lines whose sequence number the snapshot has seen.
 *
 * <p>Loading reads the snapshot and replays the journal in order. A last line without its line
 * break is an append cut short by a crash, never acknowledged: it is ignored, and cut off before
 * the next append. Any other line that cannot be read is an error naming it. A stray temporary
 * snapshot is ignored.
 */
public final class FileStateStore implements SandboxStateStore {
    static final String STATE_FILE = "sandbox-state.json";
    static final String JOURNAL_FILE = "sandbox-state.journal";
    private static final String TEMP_FILE = STATE_FILE + ".tmp";
    private static final long MIN_LINES_BEFORE_SNAPSHOT = 1000;
    private static final System.Logger LOG = System.getLogger(FileStateStore.class.getName());

    private final Path directory;
    private final boolean snapshots;
    private FileChannel journal;
    /** The sequence number of the last change on disk. */
    private long sequence;
    /** Where the journal's last whole line ends: anything after it is a torn append. */
    private long journalLength;
    private long journalLines;
    private long snapshotLength;

    public FileStateStore(Path directory) {
        this(directory, true);
    }

    private FileStateStore(Path directory, boolean snapshots) {
        this.directory = directory;
        this.snapshots = snapshots;
        createDirectory();
    }

    /** A store that only ever appends to its journal: for tests of replay. */
    static FileStateStore journalOnly(Path directory) {
        return new FileStateStore(directory, false);
    }

    @Override
    public Optional<SandboxState> load() {
        Path snapshot = directory.resolve(STATE_FILE);
        Path journalFile = directory.resolve(JOURNAL_FILE);
        try {
            boolean hasSnapshot = Files.exists(snapshot);
            byte[] document = hasSnapshot ? Files.readAllBytes(snapshot) : new byte[0];
            SandboxState state = hasSnapshot ? SandboxJson.read(document) : new SandboxState();
            snapshotLength = document.length;
            sequence = state.journalSequence;
            byte[] lines = Files.exists(journalFile) ? Files.readAllBytes(journalFile) : new byte[0];
            int start = 0;
            int lineNumber = 0;
            for (int end = nextLineBreak(lines, start); end >= 0; end = nextLineBreak(lines, start)) {
                lineNumber++;
                replay(state, readLine(lines, start, end, lineNumber), lineNumber);
                start = end + 1;
            }
            journalLength = start;
            journalLines = lineNumber;
            state.changesSaved();
            return hasSnapshot || lineNumber > 0 ? Optional.of(state) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sandbox state in " + directory, e);
        }
    }

    /** Nobody else writes the files. */
    @Override
    public Optional<SandboxState> changedElsewhere() {
        return Optional.empty();
    }

    /** Appends the changes since {@code state} was last saved; now and then, a new snapshot. */
    @Override
    public void save(SandboxState state) {
        long next = sequence + 1;
        byte[] json = SandboxJson.writeChanges(state.changes(next));
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        try {
            FileChannel channel = journal();
            if (channel.size() != journalLength) {
                channel.truncate(journalLength);
            }
            long position = journalLength;
            while (line.hasRemaining()) {
                position += channel.write(line, position);
            }
            // Data and the file's length; the rest of its metadata (times) need not wait.
            channel.force(false);
        } catch (IOException e) {
            cutTornAppend();
            throw new UncheckedIOException("cannot append to the sandbox journal in " + directory, e);
        }
        sequence = next;
        journalLength += line.limit();
        journalLines++;
        if (snapshots && journalOutgrewSnapshot(state)) {
            snapshot(state);
        }
    }

    /** Past this, replaying the journal would cost more than reading a new snapshot. */
    private boolean journalOutgrewSnapshot(SandboxState state) {
        return journalLines > Math.max(MIN_LINES_BEFORE_SNAPSHOT, state.entities()) || journalLength > snapshotLength;
    }

    /** The caller's own lock is the only one needed. */
    @Override
    public <T> T exclusively(Supplier<T> body) {
        return body.get();
    }

    @Override
    public void forget() {
        close();
        sequence = 0;
        journalLength = 0;
        journalLines = 0;
        snapshotLength = 0;
        if (!Files.exists(directory)) {
            createDirectory();
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

    @Override
    public void close() {
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException ignored) {
                // every acknowledged line was forced already
            }
            journal = null;
        }
    }

    // ---- the journal -------------------------------------------------------------------------

    private SandboxChanges readLine(byte[] lines, int start, int end, int lineNumber) {
        try {
            return SandboxJson.readChanges(lines, start, end - start);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the sandbox journal " + directory.resolve(JOURNAL_FILE)
                    + " cannot be read at line " + lineNumber + ": " + e.getMessage(), e);
        }
    }

    /** Applies a line the snapshot does not hold yet; lines must follow one another. */
    private void replay(SandboxState state, SandboxChanges changes, int lineNumber) {
        if (changes.sequence() <= sequence) {
            return;
        }
        if (changes.sequence() != sequence + 1) {
            throw new IllegalStateException("the sandbox journal " + directory.resolve(JOURNAL_FILE) + " skips from change "
                    + sequence + " to " + changes.sequence() + " at line " + lineNumber);
        }
        state.apply(changes);
        sequence = changes.sequence();
    }

    private static int nextLineBreak(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private FileChannel journal() throws IOException {
        if (journal == null) {
            journal = FileChannel.open(directory.resolve(JOURNAL_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        return journal;
    }

    /** So that a reload after a failed append does not see half of it; the next append cuts it anyway. */
    private void cutTornAppend() {
        try {
            journal().truncate(journalLength);
        } catch (IOException ignored) {
            // the next append truncates, and a load ignores a line without its line break
        }
    }

    // ---- the snapshot ------------------------------------------------------------------------

    /**
     * Folds the journal into a new snapshot. The mutation is already durable in the journal, so a
     * failure here is not the caller's: the journal stays, and the next save tries again.
     */
    private void snapshot(SandboxState state) {
        state.journalSequence = sequence;
        byte[] document = SandboxJson.write(state);
        Path temp = directory.resolve(TEMP_FILE);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(document));
                channel.force(true);
            }
            Files.move(temp, directory.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory();
            snapshotLength = document.length;
            journal().truncate(0);
            journal().force(false);
            journalLength = 0;
            journalLines = 0;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot fold the sandbox journal into a snapshot in " + directory
                    + "; the journal keeps every change", e);
        }
    }

    /** The rename must be on disk before the journal is emptied, or a crash could lose both. */
    private void forceDirectory() throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(directory, StandardOpenOption.READ);
        } catch (IOException notOpenable) {
            // Some platforms (Windows) cannot open a directory; their renames are journaled by the file system.
            return;
        }
        try (channel) {
            channel.force(true);
        }
    }

    private void createDirectory() {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the sandbox state directory " + directory, e);
        }
    }
}
