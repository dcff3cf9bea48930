package io.skydeck.billing.bills;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Imports a provider bill all-or-nothing and at most once.
 *
 * <p>The digest is only known after the last byte, so a repeated file is recognised at the end
 * and its staged lines are discarded then; validating every row is the price of not reading the
 * file twice (S3 streams cannot be rewound cheaply).
 */
public final class BillImporter {

    private final ImportedFiles importedFiles;

    public BillImporter(ImportedFiles importedFiles) {
        this.importedFiles = Objects.requireNonNull(importedFiles, "importedFiles");
    }

    public ImportOutcome importFile(InputStream in, ImportStaging staging) {
        try (BillImport bill = BillImport.open(in)) {
            while (bill.hasNext()) {
                staging.stage(bill.next());
            }
            String sha = bill.sha256();
            if (importedFiles.contains(sha)) {
                staging.discard();
                return new ImportOutcome.AlreadyImported(sha, bill.lines());
            }
            staging.commit(sha);
            importedFiles.add(sha);
            return new ImportOutcome.Imported(sha, bill.format(), bill.lines());
        } catch (BillFormatException e) {
            staging.discard();
            return new ImportOutcome.Rejected(e.line(), e.getMessage());
        } catch (IOException e) {
            staging.discard();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            staging.discard();
            throw e;
        }
    }
}
