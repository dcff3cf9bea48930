package io.skydeck.release.train;

/** A booking the line does not take, naming the field at fault. */
public final class TrainRefused extends IllegalArgumentException {

    private final String field;

    public TrainRefused(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
