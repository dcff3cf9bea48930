package io.skydeck.billing.bills;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;

/**
 * Streams the lines of one provider bill file: constant memory, one row at a time.
 *
 * <p>Gzip is recognised by its magic bytes (1f 8b), not by the file name. The SHA-256 is taken
 * over the bill's content — the bytes after decompression — while they are read, so the same bill
 * sent as CSV and as CSV.gz (or gzipped twice with different settings) has one identity; it is
 * known, without a second pass, once the last line was returned — that is when a caller can tell
 * a re-import.
 * A bad row throws {@link BillFormatException} with its line number.
 */
public final class BillImport implements Iterator<BillLine>, Closeable {

    private final DigestInputStream digesting;
    private final CsvReader csv;
    private final BillFormat format;
    private final BillColumns columns;
    private BillLine next;
    private boolean done;
    private long lines;
    private String sha256;

    private BillImport(InputStream raw) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 64 * 1024);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        InputStream content = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(buffered, 64 * 1024) : buffered;
        try {
            digesting = new DigestInputStream(content, MessageDigest.getInstance("SHA-256"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        csv = new CsvReader(new InputStreamReader(digesting, StandardCharsets.UTF_8));
        List<String> header = csv.next();
        if (header == null) {
            throw new BillFormatException(1, "the file is empty");
        }
        format = BillFormat.detect(header);
        columns = new BillColumns(format, header);
    }

    /** Opens a bill; the stream is closed with this import. */
    public static BillImport open(InputStream in) {
        try {
            return new BillImport(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public BillFormat format() {
        return format;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (done) {
            return false;
        }
        List<String> row;
        try {
            while ((row = csv.next()) != null && isBlank(row)) {
                // blank lines between rows occur in hand-made files; they are not data
            }
        } catch (CsvReader.CsvSyntaxException e) {
            throw new BillFormatException(e.line(), e.getMessage());
        }
        if (row == null) {
            finish();
            return false;
        }
        next = columns.toLine(csv.recordLine(), row);
        lines++;
        return true;
    }

    @Override
    public BillLine next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        BillLine line = next;
        next = null;
        return line;
    }

    /** Data rows read so far. */
    public long lines() {
        return lines;
    }

    /** Hex SHA-256 of the file's content (decompressed if it was gzip); only known once every line was read. */
    public String sha256() {
        if (sha256 == null) {
            throw new IllegalStateException("the digest is known only after the last line was read");
        }
        return sha256;
    }

    private void finish() {
        done = true;
        try {
            // Drain what the CSV layer did not read so the digest covers the whole content.
            byte[] skip = new byte[8192];
            while (digesting.read(skip) >= 0) {
                // draining
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sha256 = HexFormat.of().formatHex(digesting.getMessageDigest().digest());
    }

    private static boolean isBlank(List<String> row) {
        return row.size() == 1 && row.get(0).isBlank();
    }

    @Override
    public void close() throws IOException {
        csv.close();
    }
}
