package io.skydeck.billing.bills;

/** A bill file that cannot be imported, with the 1-based line where the problem is. */
public final class BillFormatException extends RuntimeException {

    private final long line;

    public BillFormatException(long line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    public long line() {
        return line;
    }
}
