package io.skydeck.billing.reconciliation;

import io.skydeck.billing.bills.BillLine;
import io.skydeck.billing.metering.UsageRecord;
import java.util.Optional;

/**
 * Puts Skydeck meters and AWS usage types on one vocabulary. AWS prefixes usage types with a
 * region code ("EUW1-BoxUsage:m5.large", none for us-east-1), which is dropped.
 */
public final class AwsUsageTypes {

    private AwsUsageTypes() {
    }

    /** The usage type of a Skydeck record, or empty when AWS does not bill that meter on its own. */
    public static Optional<String> of(UsageRecord r) {
        return switch (r.meter()) {
            case SERVER_HOURS -> Optional.of("BoxUsage:" + r.flavor());
            case PUBLIC_IP_HOURS -> Optional.of("PublicIPv4:InUseAddress");
            case EGRESS_GB -> Optional.of("DataTransfer-Out-Bytes");
            // EC2 prices the instance, not its vCPUs/memory/GPUs; containers are billed via their nodes.
            case VCPU_HOURS, MEMORY_GIB_HOURS, GPU_HOURS, CONTAINER_VCPU_HOURS, CONTAINER_GIB_HOURS -> Optional.empty();
        };
    }

    /** The usage type of a bill line with the region prefix removed. */
    public static String of(BillLine line) {
        String t = line.usageType();
        if (t == null) {
            return "";
        }
        int dash = t.indexOf('-');
        int colon = t.indexOf(':');
        boolean regionPrefix = dash > 0 && dash <= 5 && (colon < 0 || dash < colon) && t.substring(0, dash).chars().allMatch(Character::isLetterOrDigit)
                && t.substring(0, dash).equals(t.substring(0, dash).toUpperCase()) && !t.startsWith("DataTransfer");
        return regionPrefix ? t.substring(dash + 1) : t;
    }
}
