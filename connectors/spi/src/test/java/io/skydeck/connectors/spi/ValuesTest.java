package io.skydeck.connectors.spi;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValuesTest {

    @Test
    void moneyWithTheSameValueIsEqualWhateverScaleItWasWrittenIn() {
        assertThat(Money.of("0.02", "USD")).isEqualTo(Money.of("0.0200000000", "USD"));
        assertThat(Money.of("0.02", "USD").amount().scale()).isEqualTo(10);
    }

    @Test
    void moneyRefusesMorePrecisionThanItCanHoldInsteadOfRoundingSilently() {
        assertThatThrownBy(() -> Money.of("0.00000000001", "USD")).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void moneyTimesAQuantityRoundsHalfEvenAtScaleTen() {
        // 0.0000000001 × 0.5 = 0.00000000005 → half-even at scale 10 → 0.0000000000 (0 is even)
        assertThat(Money.of("0.0000000001", "USD").times(new BigDecimal("0.5"))).isEqualTo(Money.of("0", "USD"));
        // 0.0000000003 × 0.5 = 0.00000000015 → 0.0000000002 (2 is even)
        assertThat(Money.of("0.0000000003", "USD").times(new BigDecimal("0.5"))).isEqualTo(Money.of("0.0000000002", "USD"));
    }

    @Test
    void moneyInTwoCurrenciesCannotBeAdded() {
        assertThatThrownBy(() -> Money.of("1", "USD").plus(Money.of("1", "EUR")))
                .hasMessage("cannot add EUR to USD");
    }

    @Test
    void anIdempotencyTokenFitsWhatEc2AndKubernetesAccept() {
        assertThat(IdempotencyToken.of("req-2024.05_a1").value()).isEqualTo("req-2024.05_a1");
        assertThatThrownBy(() -> IdempotencyToken.of("x".repeat(64))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdempotencyToken.of("has space")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdempotencyToken.of("-leading")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void providerErrorsKeepTheProvidersMessageAndSayWhetherToRetry() {
        ProviderException quota = new QuotaExceeded("aws-prod", "You have requested more instances (21) than your current limit of 20",
                "InstanceLimitExceeded", null);
        ProviderException throttled = new Throttled("aws-prod", "Request limit exceeded.", Duration.ofSeconds(3));

        assertThat(quota.getMessage())
                .isEqualTo("provider aws-prod: You have requested more instances (21) than your current limit of 20 (InstanceLimitExceeded)");
        assertThat(quota.retryable()).isFalse();
        assertThat(throttled.retryable()).isTrue();
        assertThat(((Throttled) throttled).retryAfter()).contains(Duration.ofSeconds(3));
        assertThat(new ProviderTimeout("p", "read timed out").retryable()).isTrue();
        assertThat(new ResourceNotFound("p", ResourceType.FLAVOR, "m9.huge", "Flavor m9.huge could not be found.").retryable()).isFalse();
    }

    @Test
    void resourcesFitWhenEveryDimensionFits() {
        var host = new Resources(4, 8_192, 1);
        assertThat(host.fits(new Resources(4, 8_192, 1))).isTrue();
        assertThat(host.fits(new Resources(1, 1_024, 2))).isFalse();
        assertThat(host.minus(new Resources(1, 1_024, 1))).isEqualTo(new Resources(3, 7_168, 0));
    }
}
