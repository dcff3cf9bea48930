package io.skydeck.finance.store;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Rows streamed into one {@code COPY ... FROM STDIN} in the caller's transaction: fields are
 * encoded in COPY's text format ({@code \N} for null; backslash, tab, newline and carriage return
 * escaped; UTF-8) straight into a reused buffer, which is sent every {@value #FLUSH_AT} bytes, so
 * any number of rows takes constant memory. Write a row's fields with the typed methods, end it
 * with {@link #endRow}; {@link #finish} ends the COPY, {@link #close} without it cancels the COPY
 * (the caller's transaction then rolls back). While it is open the connection runs nothing else.
 */
public final class CopyRows implements AutoCloseable {

    static final int FLUSH_AT = 256 * 1024;

    private final CopyIn in;
    private byte[] buf;
    private int size;
    private boolean firstField = true;
    private long rows;

    private CopyRows(CopyIn in, int buffer) {
        this.in = in;
        this.buf = new byte[buffer];
    }

    /** Starts {@code copySql} ({@code COPY table (columns) FROM STDIN}) on a pgjdbc connection, possibly wrapped by a pool. */
    public static CopyRows open(Connection c, String copySql) throws SQLException {
        return new CopyRows(c.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql), FLUSH_AT + 8192);
    }

    /** An encoder that sends nothing: {@link #bytes()} holds the text of the rows written. */
    public static CopyRows inMemory() {
        return new CopyRows(null, 512);
    }

    public CopyRows text(String s) {
        separate();
        if (s == null) {
            put((byte) '\\');
            put((byte) 'N');
            return this;
        }
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch >= 0x80 || ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
                escaped(s, i);
                return this;
            }
            buf[size++] = (byte) ch;
        }
        return this;
    }

    public CopyRows number(long n) {
        return text(Long.toString(n));
    }

    public CopyRows number(BigDecimal n) {
        return text(n == null ? null : n.toPlainString());
    }

    public CopyRows instant(Instant t) {
        return text(t == null ? null : t.toString());
    }

    /** Ends the row; sends the buffer when it is full enough. */
    public void endRow() throws SQLException {
        put((byte) '\n');
        firstField = true;
        rows++;
        if (in != null && size >= FLUSH_AT) {
            flush();
        }
    }

    public long rows() {
        return rows;
    }

    /** The encoded text not sent yet (all of it for {@link #inMemory()}). */
    public byte[] bytes() {
        return Arrays.copyOf(buf, size);
    }

    /** Ends the COPY; returns the rows PostgreSQL stored. */
    public long finish() throws SQLException {
        flush();
        return in.endCopy();
    }

    @Override
    public void close() throws SQLException {
        if (in != null && in.isActive()) {
            in.cancelCopy();
        }
    }

    private void flush() throws SQLException {
        if (size > 0) {
            in.writeToCopy(buf, 0, size);
            size = 0;
        }
    }

    private void separate() {
        if (!firstField) {
            put((byte) '\t');
        }
        firstField = false;
    }

    /** The rare slow path: escapes and UTF-8 from position {@code from} on. */
    private void escaped(String s, int from) {
        StringBuilder sb = new StringBuilder(s.length() - from + 8);
        for (int i = from; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
        byte[] utf8 = sb.toString().getBytes(StandardCharsets.UTF_8);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, buf, size, utf8.length);
        size += utf8.length;
    }

    private void put(byte b) {
        ensure(1);
        buf[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
