package io.skydeck.finance.reconciliation;

import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.bills.BillFormat;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.providers.ProviderRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Whose billing rules a provider's bill follows, decided by the provider's kind — never by its
 * name, since "aws-prod" and "aws-eu" are as much AWS as "aws". The kind is the configured
 * provider's; a provider this Skydeck no longer (or never) drives is known by its bills: one
 * imported as an AWS Cost and Usage Report is AWS.
 */
@ApplicationScoped
public class BillingRules {

    @Inject
    ProviderRegistry providers;

    @Inject
    AgroalDataSource dataSource;

    public boolean isAws(String provider) {
        return kindOf(provider).map(kind -> kind == ProviderKind.AWS).orElse(false);
    }

    Optional<ProviderKind> kindOf(String provider) {
        Optional<ProviderKind> configured = providers.find(provider).map(CloudProvider::kind);
        return configured.isPresent() ? configured : kindOfBills(provider);
    }

    private Optional<ProviderKind> kindOfBills(String provider) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT format FROM bill_import WHERE provider = ? ORDER BY imported_at DESC LIMIT 1")) {
            ps.setString(1, provider);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                BillFormat format = BillFormat.valueOf(rs.getString(1));
                return format == BillFormat.CUR_LEGACY || format == BillFormat.CUR_2 ? Optional.of(ProviderKind.AWS) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the bill imports of " + provider, e);
        }
    }
}
