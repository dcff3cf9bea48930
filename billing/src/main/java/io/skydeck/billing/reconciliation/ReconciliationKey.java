package io.skydeck.billing.reconciliation;

import java.time.Instant;

/** What is matched: one provider resource, one usage type, one period (hour, day or month). */
public record ReconciliationKey(String provider, String resourceId, String usageType, Instant periodStart) {

    private static final char SEP = '\u001f';

    /** A single string that sorts like the key (ISO instants of one shape sort chronologically). */
    String encoded() {
        return provider + SEP + resourceId + SEP + usageType + SEP + periodStart;
    }

    static ReconciliationKey decode(String encoded) {
        String[] p = encoded.split(String.valueOf(SEP), -1);
        return new ReconciliationKey(p[0], p[1], p[2], Instant.parse(p[3]));
    }
}
