package io.skydeck.billing.reconciliation;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * Sorts more items than fit in the heap: sorted runs of {@code runSize} items are spilled to
 * temporary files and merged back with a k-way merge. Memory is one run while sorting, and one
 * item per run while merging; a million bill lines in runs of 100,000 is ten small files.
 */
final class ExternalSorter<T> implements Closeable {

    interface Codec<T> {
        void write(DataOutputStream out, T item) throws IOException;

        T read(DataInputStream in) throws IOException;
    }

    private final Comparator<T> order;
    private final Codec<T> codec;
    private final Path tempDir;
    private final int runSize;
    private final List<Path> runs = new ArrayList<>();
    private final List<DataInputStream> open = new ArrayList<>();

    ExternalSorter(Comparator<T> order, Codec<T> codec, Path tempDir, int runSize) {
        this.order = order;
        this.codec = codec;
        this.tempDir = tempDir;
        this.runSize = runSize;
    }

    /** Consumes the input and returns it sorted; valid until {@link #close()}. */
    Iterator<T> sort(Iterator<T> input) {
        try {
            List<T> run = new ArrayList<>(Math.min(runSize, 1 << 16));
            while (input.hasNext()) {
                run.add(input.next());
                if (run.size() == runSize) {
                    spill(run);
                    run.clear();
                }
            }
            if (runs.isEmpty()) {
                run.sort(order); // everything fit in one run: no file at all
                return run.iterator();
            }
            if (!run.isEmpty()) {
                spill(run);
            }
            return merge();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void spill(List<T> run) throws IOException {
        run.sort(order);
        Path file = Files.createTempFile(tempDir, "skydeck-recon-", ".run");
        runs.add(file);
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            for (T item : run) {
                codec.write(out, item);
            }
        }
    }

    private record Head<T>(T item, int run) {
    }

    private Iterator<T> merge() throws IOException {
        PriorityQueue<Head<T>> heads = new PriorityQueue<>(Math.max(1, runs.size()), (a, b) -> order.compare(a.item(), b.item()));
        for (Path file : runs) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
            open.add(in);
            T first = readOrNull(in);
            if (first != null) {
                heads.add(new Head<>(first, open.size() - 1));
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public T next() {
                Head<T> h = heads.poll();
                if (h == null) {
                    throw new NoSuchElementException();
                }
                T following = readOrNull(open.get(h.run()));
                if (following != null) {
                    heads.add(new Head<>(following, h.run()));
                }
                return h.item();
            }
        };
    }

    private T readOrNull(DataInputStream in) {
        try {
            return codec.read(in);
        } catch (EOFException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (DataInputStream in : open) {
            try {
                in.close();
            } catch (IOException ignored) {
                // best effort: the file is deleted next
            }
        }
        for (Path run : runs) {
            try {
                Files.deleteIfExists(run);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
