package io.skydeck.billing.invoice;

/** FOCUS ChargeClass: a regular charge, or a correction of a charge on an earlier, issued invoice. */
public enum ChargeClass {
    REGULAR(""),
    CORRECTION("Correction");

    private final String focusValue;

    ChargeClass(String focusValue) {
        this.focusValue = focusValue;
    }

    /** The FOCUS column value; regular charges are null (empty) in FOCUS. */
    public String focusValue() {
        return focusValue;
    }
}
