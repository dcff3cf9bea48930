package io.skydeck.connectors.spi;

import java.util.stream.Stream;

/**
 * What the provider says it will bill — the other side of reconciliation. For AWS, the Cost
 * and Usage Report; for the sandbox, what it ran at its list prices.
 */
public non-sealed interface UsageExport extends Capability {

    /**
     * Usage within {@code period}, lines clipped to it. A stream because a month of a real bill
     * has millions of lines; close it (try-with-resources) to release the file or connection.
     */
    Stream<ProviderUsage> usage(UsagePeriod period);
}
