package io.skydeck.billing.bills;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming RFC 4180 reader: one record at a time, constant memory apart from the record itself.
 *
 * <p>Handles quoted fields with embedded commas, doubled quotes and line breaks, and both CRLF and
 * LF line ends. {@link #recordLine()} is the 1-based physical line where the last record started,
 * so an error can point at the line a person sees in an editor even after multi-line fields.
 * Hand-written rather than a dependency: it is short, and the line number is exactly what import
 * errors need.
 */
public final class CsvReader implements Closeable {

    private final Reader in;
    private final char[] buf = new char[64 * 1024];
    private int pos;
    private int limit;
    private long line = 1;
    private long recordLine;
    private final StringBuilder field = new StringBuilder(64);
    /** Fields of the last record: the next one most likely has as many. */
    private int width = 16;

    public CsvReader(Reader in) {
        this.in = in;
    }

    /** The next record's fields, or {@code null} at the end of input. */
    public List<String> next() {
        if (!fill()) {
            return null;
        }
        recordLine = line;
        List<String> fields = new ArrayList<>(width);
        field.setLength(0);
        boolean quoted = false;
        boolean wasQuoted = false;
        while (true) {
            if (!quoted && field.length() == 0 && !wasQuoted && pos < limit) {
                // Fast path: an unquoted field that ends inside the buffer becomes one String, not a char at a time.
                int end = pos;
                char c = 0;
                while (end < limit && (c = buf[end]) != ',' && c != '\n' && c != '\r' && c != '"') {
                    end++;
                }
                if (end < limit && c != '"') {
                    fields.add(new String(buf, pos, end - pos));
                    pos = end + 1;
                    if (c == ',') {
                        continue;
                    }
                    if (c == '\r' && fill() && buf[pos] == '\n') {
                        pos++;
                    }
                    line++;
                    width = fields.size();
                    return fields;
                }
                if (end < limit) {
                    // A quote: inside an unquoted field it is data; at the start, a quoted field. The slow path decides.
                    if (end > pos) {
                        field.append(buf, pos, end - pos);
                        pos = end;
                    }
                } else {
                    field.append(buf, pos, end - pos);
                    pos = end;
                    continue;
                }
            }
            if (!fill()) {
                if (quoted) {
                    throw new CsvSyntaxException(recordLine, "a quoted field is not closed before the end of the file");
                }
                fields.add(field.toString());
                width = fields.size();
                return fields;
            }
            char c = buf[pos++];
            if (quoted) {
                if (c == '"') {
                    if (fill() && buf[pos] == '"') {
                        field.append('"');
                        pos++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append(c);
                }
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && fill() && buf[pos] == '\n') {
                    pos++;
                }
                line++;
                fields.add(field.toString());
                width = fields.size();
                return fields;
            } else if (c == '"' && field.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else {
                field.append(c);
            }
        }
    }

    /** 1-based line on which the record last returned by {@link #next()} started. */
    public long recordLine() {
        return recordLine;
    }

    private boolean fill() {
        if (pos < limit) {
            return true;
        }
        try {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                return false;
            }
            pos = 0;
            limit = n;
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Malformed CSV (an unclosed quote); carries the line where the record started. */
    public static final class CsvSyntaxException extends RuntimeException {
        private final long line;

        CsvSyntaxException(long line, String message) {
            super(message);
            this.line = line;
        }

        public long line() {
            return line;
        }
    }
}
