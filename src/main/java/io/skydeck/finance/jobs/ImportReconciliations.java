package io.skydeck.finance.jobs;

import io.skydeck.billing.metering.BillingPeriod;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;

import java.time.YearMonth;
import java.util.Arrays;
import java.util.List;
import java.util.SortedSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Reconciliation right after a bill import, as a one-shot Quartz trigger of one durable job.
 *
 * <p>The trigger is written by the import's own transaction (the job store is {@code jdbc-cmt}),
 * so it exists exactly when the import committed, survives a restart, and fires on one replica.
 * The job disallows concurrent execution: after two quick imports the runs take turns instead of
 * racing, which also keeps {@link JobRuns}' rule true that a RUNNING row of the job found at the
 * start of a run belongs to a killed run. A replica that dies mid-run leaves the job to be
 * recovered on another. A failed run is not retried here; the nightly reconciliation covers it.
 */
@ApplicationScoped
public class ImportReconciliations {

    static final JobKey JOB = JobKey.jobKey("finance-reconciliation-after-import", "skydeck-finance");
    private static final String IMPORT_ID = "importId";
    private static final String PROVIDER = "provider";
    private static final String PERIODS = "periods";

    @Inject
    Scheduler quartz;

    /** Schedules the reconciliation of {@code provider} for each period the import covers, in the caller's transaction. */
    public void schedule(UUID importId, String provider, SortedSet<BillingPeriod> periods) {
        if (periods.isEmpty()) {
            return;
        }
        JobDetail job = JobBuilder.newJob(RunAfterImport.class).withIdentity(JOB).storeDurably().requestRecovery().build();
        Trigger trigger = TriggerBuilder.newTrigger()
                .withIdentity("after-import-" + importId, JOB.getGroup())
                .forJob(JOB)
                .usingJobData(IMPORT_ID, importId.toString())
                .usingJobData(PROVIDER, provider)
                .usingJobData(PERIODS, periods.stream().map(BillingPeriod::toString).collect(Collectors.joining(" ")))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                .startNow()
                .build();
        try {
            quartz.addJob(job, true);
            quartz.scheduleJob(trigger);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot schedule the reconciliation of bill import " + importId, e);
        }
    }

    /** What the trigger runs; Quarkus creates it as a bean, so it can reach the finance jobs. */
    @Dependent
    @DisallowConcurrentExecution
    public static class RunAfterImport implements Job {

        @Inject
        FinanceJobs jobs;

        @Override
        public void execute(JobExecutionContext context) {
            JobDataMap data = context.getMergedJobDataMap();
            List<BillingPeriod> periods = Arrays.stream(data.getString(PERIODS).split(" "))
                    .map(p -> new BillingPeriod(YearMonth.parse(p))).toList();
            jobs.reconcileImport(UUID.fromString(data.getString(IMPORT_ID)), data.getString(PROVIDER), periods);
        }
    }
}
