package io.skydeck.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The distinct hourly rates of the inventory. Hosts of one provider usually share a price list,
 * so a request prices each distinct rate once and the scan over hosts reads an array.
 */
final class RateTable {

    static final long UNPRICED = -1;

    private final Map<HourlyRate, Integer> indexByRate = new HashMap<>();
    private final List<HourlyRate> rates = new ArrayList<>();
    // Compiled forms: micro-units per vCPU, or micro-units per flavor.
    private long[] perVcpuMicros = new long[8];
    private final List<Map<String, Long>> perFlavorMicros = new ArrayList<>();

    int intern(HourlyRate rate) {
        Integer known = indexByRate.get(rate);
        if (known != null) {
            return known;
        }
        int index = rates.size();
        rates.add(rate);
        indexByRate.put(rate, index);
        if (index == perVcpuMicros.length) {
            perVcpuMicros = Arrays.copyOf(perVcpuMicros, index * 2);
        }
        // Java 17 has no pattern switch (preview only); the interface is sealed to these two.
        if (rate instanceof HourlyRate.PerVcpu v) {
            perVcpuMicros[index] = HourlyRate.micros(v.perVcpu());
            perFlavorMicros.add(null);
        } else {
            Map<String, Long> micros = new HashMap<>();
            ((HourlyRate.PerFlavor) rate).byFlavor().forEach((flavor, price) -> micros.put(flavor, HourlyRate.micros(price)));
            perFlavorMicros.add(micros);
        }
        return index;
    }

    int size() {
        return rates.size();
    }

    /** Fills {@code quotes[k]} with rate k's price for the demand in micro-units, or {@link #UNPRICED}. */
    void quote(int vcpu, String flavor, long[] quotes) {
        for (int k = 0; k < rates.size(); k++) {
            Map<String, Long> byFlavor = perFlavorMicros.get(k);
            if (byFlavor == null) {
                quotes[k] = Math.multiplyExact(perVcpuMicros[k], (long) vcpu);
            } else {
                Long price = flavor == null ? null : byFlavor.get(flavor);
                quotes[k] = price == null ? UNPRICED : price;
            }
        }
    }
}
