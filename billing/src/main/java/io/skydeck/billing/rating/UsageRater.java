package io.skydeck.billing.rating;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Prices a tenant's usage of one billing period.
 *
 * <p>Order of application, each step working on what the previous one left:
 * <ol>
 *   <li>every record gets the rate effective at its hour ({@link RateCatalog});</li>
 *   <li>reserved capacity covers matching usage hour by hour, commitments in id order;</li>
 *   <li>spend commitments cover per-unit-priced usage of their provider hour by hour;</li>
 *   <li>what remains is priced on demand per (card, provider, region, meter, flavor): tiers and
 *       volume prices accumulate over the whole period within that group, so a card change in
 *       the middle of a month starts a new group;</li>
 *   <li>fixed fees are charged once per group that had any usage, covered or not.</li>
 * </ol>
 * Commitments only ever cover usage priced per unit; tiered usage is never covered, since "the
 * price of a covered unit" is not defined for it.
 */
public final class UsageRater {

    /** A usage record with its rate and the quantity no commitment has covered yet. */
    private static final class Priced {
        final UsageRecord record;
        final AppliedRate rate;
        BigDecimal remaining;

        Priced(UsageRecord record, AppliedRate rate) {
            this.record = record;
            this.rate = rate;
            this.remaining = record.quantity();
        }

        BigDecimal perUnitPrice() {
            return rate.rate().variable() instanceof Price.PerUnit p ? p.unitPrice() : null;
        }
    }

    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);

    private final RateCatalog catalog;

    public UsageRater(RateCatalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    public RatedUsage rate(String tenantId, BillingPeriod period, List<UsageRecord> usage, List<Commitment> commitments) {
        List<Priced> priced = new ArrayList<>();
        List<UsageRecord> unrated = new ArrayList<>();
        List<UsageRecord> ordered = new ArrayList<>(usage);
        ordered.sort(Comparator.comparing(UsageRecord::start).thenComparing(UsageRecord::id));
        for (UsageRecord r : ordered) {
            if (!r.tenantId().equals(tenantId) || !period.contains(r.start())) {
                throw new IllegalArgumentException("usage record " + r.id() + " is not of " + tenantId + " in " + period);
            }
            catalog.find(tenantId, r.provider(), r.region(), r.meter(), r.flavor(), r.start())
                    .ifPresentOrElse(rate -> priced.add(new Priced(r, rate)), () -> unrated.add(r));
        }
        List<RatedCharge> charges = new ArrayList<>();
        commitments.stream()
                .filter(c -> c.tenantId().equals(tenantId))
                .sorted(Comparator.comparing((Commitment c) -> c instanceof Commitment.SpendCommitment).thenComparing(Commitment::id))
                .forEach(c -> {
                    if (c instanceof Commitment.ReservedCapacity rc) {
                        applyReservedCapacity(tenantId, period, rc, priced, charges);
                    } else if (c instanceof Commitment.SpendCommitment sc) {
                        applySpendCommitment(tenantId, period, sc, priced, charges);
                    }
                });
        chargeOnDemand(tenantId, period, priced, charges);
        return new RatedUsage(tenantId, period, charges, unrated);
    }

    private void applyReservedCapacity(String tenantId, BillingPeriod period, Commitment.ReservedCapacity c,
                                       List<Priced> priced, List<RatedCharge> charges) {
        if (activeHours(c, period).signum() == 0) {
            return;
        }
        Predicate<Priced> covers = p -> p.record.provider().equals(c.provider()) && p.record.region().equals(c.region())
                && p.record.meter() == c.meter() && (c.flavor().isEmpty() || c.flavor().equals(p.record.flavor()))
                && p.perUnitPrice() != null && p.rate.card().currency().equals(c.currency()) && c.activeAt(p.record.start());
        BigDecimal covered = BigDecimal.ZERO;
        BigDecimal list = BigDecimal.ZERO;
        TreeSet<String> ids = new TreeSet<>();
        for (List<Priced> hour : byHour(priced, covers).values()) {
            BigDecimal capacity = c.unitsPerHour();
            for (Priced p : hour) {
                if (capacity.signum() == 0) {
                    break;
                }
                BigDecimal take = p.remaining.min(capacity);
                if (take.signum() == 0) {
                    continue;
                }
                p.remaining = p.remaining.subtract(take);
                capacity = capacity.subtract(take);
                covered = covered.add(take);
                list = list.add(take.multiply(p.perUnitPrice()));
                ids.add(p.record.id());
            }
        }
        BigDecimal committed = c.unitsPerHour().multiply(activeHours(c, period));
        BigDecimal unused = committed.subtract(covered).max(BigDecimal.ZERO);
        String unit = c.meter().unit();
        charges.add(commitmentCharge(tenantId, period, ChargeKind.COMMITMENT_USED, c, c.region(), c.meter(), c.flavor(),
                covered, unit, covered.multiply(c.committedUnitPrice()), list, ids));
        charges.add(commitmentCharge(tenantId, period, ChargeKind.COMMITMENT_UNUSED, c, c.region(), c.meter(), c.flavor(),
                unused, unit, unused.multiply(c.committedUnitPrice()), BigDecimal.ZERO, new TreeSet<>()));
    }

    private void applySpendCommitment(String tenantId, BillingPeriod period, Commitment.SpendCommitment c,
                                      List<Priced> priced, List<RatedCharge> charges) {
        if (activeHours(c, period).signum() == 0) {
            return;
        }
        Predicate<Priced> eligible = p -> p.record.provider().equals(c.provider()) && p.perUnitPrice() != null
                && p.rate.card().currency().equals(c.currency()) && c.activeAt(p.record.start());
        BigDecimal keep = BigDecimal.ONE.subtract(c.discountRate());
        BigDecimal used = BigDecimal.ZERO;
        BigDecimal list = BigDecimal.ZERO;
        TreeSet<String> ids = new TreeSet<>();
        for (List<Priced> hour : byHour(priced, eligible).values()) {
            BigDecimal budget = c.hourlyCommitment();
            for (Priced p : hour) {
                if (budget.signum() == 0) {
                    break;
                }
                if (p.remaining.signum() == 0) {
                    continue;
                }
                BigDecimal discountedUnit = p.perUnitPrice().multiply(keep);
                BigDecimal cost = p.remaining.multiply(discountedUnit);
                BigDecimal take = p.remaining;
                if (cost.compareTo(budget) > 0) {
                    // The budget runs out inside this record: cover only the share it pays for.
                    take = budget.divide(discountedUnit, Rounding.DIVISION);
                    cost = budget;
                }
                p.remaining = p.remaining.subtract(take);
                budget = budget.subtract(cost);
                used = used.add(cost);
                list = list.add(take.multiply(p.perUnitPrice()));
                ids.add(p.record.id());
            }
        }
        BigDecimal unused = c.hourlyCommitment().multiply(activeHours(c, period)).subtract(used).max(BigDecimal.ZERO);
        charges.add(commitmentCharge(tenantId, period, ChargeKind.COMMITMENT_USED, c, null, null, null,
                used, c.currency(), used, list, ids));
        charges.add(commitmentCharge(tenantId, period, ChargeKind.COMMITMENT_UNUSED, c, null, null, null,
                unused, c.currency(), unused, BigDecimal.ZERO, new TreeSet<>()));
    }

    private record GroupKey(String cardRef, String provider, String region, Meter meter, String flavor) {
    }

    private void chargeOnDemand(String tenantId, BillingPeriod period, List<Priced> priced, List<RatedCharge> charges) {
        Map<GroupKey, List<Priced>> groups = new TreeMap<>(Comparator.comparing(GroupKey::cardRef)
                .thenComparing(GroupKey::provider).thenComparing(GroupKey::region)
                .thenComparing(GroupKey::meter).thenComparing(GroupKey::flavor));
        for (Priced p : priced) {
            UsageRecord r = p.record;
            groups.computeIfAbsent(new GroupKey(p.rate.card().reference(), r.provider(), r.region(), r.meter(), r.flavor()),
                    k -> new ArrayList<>()).add(p);
        }
        groups.forEach((k, members) -> {
            AppliedRate rate = members.get(0).rate;
            String currency = rate.card().currency();
            BigDecimal quantity = BigDecimal.ZERO;
            TreeSet<String> ids = new TreeSet<>();
            TreeSet<String> allIds = new TreeSet<>();
            for (Priced p : members) {
                allIds.add(p.record.id());
                if (p.remaining.signum() > 0) {
                    quantity = quantity.add(p.remaining);
                    ids.add(p.record.id());
                }
            }
            if (quantity.signum() > 0) {
                BigDecimal amount = Rounding.lineAmount(rate.rate().variable().amountFor(quantity));
                charges.add(new RatedCharge(
                        RatedCharge.stableId(tenantId, period, ChargeKind.USAGE, k.provider(), k.region(), k.meter(), k.flavor(), k.cardRef(), null),
                        tenantId, period, ChargeKind.USAGE, k.provider(), k.region(), k.meter(), k.flavor(), k.cardRef(), null,
                        displayQuantity(quantity), k.meter().unit(), Rounding.averageUnitPrice(amount, quantity),
                        amount, amount, currency, List.copyOf(ids)));
            }
            BigDecimal fixed = rate.rate().fixedPerPeriod();
            if (fixed.signum() > 0) {
                BigDecimal amount = Rounding.lineAmount(fixed);
                charges.add(new RatedCharge(
                        RatedCharge.stableId(tenantId, period, ChargeKind.FIXED_FEE, k.provider(), k.region(), k.meter(), k.flavor(), k.cardRef(), null),
                        tenantId, period, ChargeKind.FIXED_FEE, k.provider(), k.region(), k.meter(), k.flavor(), k.cardRef(), null,
                        displayQuantity(BigDecimal.ONE), "Period", fixed, amount, amount, currency, List.copyOf(allIds)));
            }
        });
    }

    private static RatedCharge commitmentCharge(String tenantId, BillingPeriod period, ChargeKind kind, Commitment c,
                                                String region, Meter meter, String flavor, BigDecimal quantity, String unit,
                                                BigDecimal exactAmount, BigDecimal exactList, TreeSet<String> ids) {
        BigDecimal amount = Rounding.lineAmount(exactAmount);
        // List cost is what covered usage would have cost on demand; an unused commitment has none.
        BigDecimal list = Rounding.lineAmount(exactList);
        return new RatedCharge(
                RatedCharge.stableId(tenantId, period, kind, c.provider(), region, meter, flavor, null, c.id()),
                tenantId, period, kind, c.provider(), region, meter, flavor, null, c.id(),
                displayQuantity(quantity), unit, Rounding.averageUnitPrice(amount, quantity), amount, list, c.currency(),
                List.copyOf(ids));
    }

    private static TreeMap<Instant, List<Priced>> byHour(List<Priced> priced, Predicate<Priced> filter) {
        TreeMap<Instant, List<Priced>> hours = new TreeMap<>();
        for (Priced p : priced) {
            if (filter.test(p)) {
                hours.computeIfAbsent(p.record.start(), h -> new ArrayList<>()).add(p);
            }
        }
        return hours;
    }

    /** Hours of the period the commitment is active, exact when it starts and ends on whole seconds. */
    private static BigDecimal activeHours(Commitment c, BillingPeriod period) {
        Instant from = c.from().isAfter(period.start()) ? c.from() : period.start();
        Instant to = c.to().isBefore(period.end()) ? c.to() : period.end();
        if (!to.isAfter(from)) {
            return BigDecimal.ZERO;
        }
        return BigDecimal.valueOf(Duration.between(from, to).toSeconds()).divide(SECONDS_PER_HOUR, Rounding.DIVISION);
    }

    private static BigDecimal displayQuantity(BigDecimal quantity) {
        return quantity.setScale(UsageRecord.QUANTITY_SCALE, Rounding.MODE);
    }
}
