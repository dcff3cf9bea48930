package io.skydeck.console;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.selenium.AxeBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Level;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web console in a real browser: Debian's headless Chromium driven by Selenium against the
 * service this test starts. Each page's main flow end to end, a screenshot of every page under
 * target/console-screenshots/, axe-core run in every page (no serious or critical violation), and
 * no error in the browser's console. One browser for the whole class, to keep it quick.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Set<String> BLOCKING = Set.of("serious", "critical");

    private static ChromeDriver browser;
    private static int shots;
    private static UUID tenantId;
    private static String serverId;

    @TestHTTPResource("/")
    URL base;

    @Inject
    ProviderRegistry providers;

    @BeforeAll
    static void startBrowser() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)");
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    @Order(1)
    void aTenantSignsInWithAPastedTokenCreatesAServerAndWatchesItBecomeActive() {
        tenantId = createTenant(uniqueName("console"), quota(16, 64, 4, 4, 2, 2));
        createProject(tenantId, "shop");
        browser.get(base + "console/");
        browser.executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        WebElement tokenInput = await(By.id("token-input"));
        check("sign-in");
        tokenInput.sendKeys(bare(Tokens.tenant(tenantId)));
        browser.findElement(By.cssSelector("#login button[type=submit]")).click();

        await(By.id("f-name")).sendKeys("web-1");
        browser.findElement(By.cssSelector("#create button[type=submit]")).click();
        By status = By.xpath("//tr[td[1][normalize-space()='web-1']]/td[2]");
        waiting().until(d -> "ACTIVE".equals(d.findElement(status).getText()));
        // The operation cell was painted from the operation's event stream, not from a reload.
        assertThat(browser.findElement(By.xpath("//tr[td[1][normalize-space()='web-1']]/td[3]")).getText())
                .isEqualTo("CREATE_SERVER SUCCEEDED");
        serverId = browser.findElement(By.xpath("//tr[td[1][normalize-space()='web-1']]//a[text()='Why here?']"))
                .getAttribute("href").replaceAll(".*/placement/", "");
        assertThat(browser.findElements(By.cssSelector("#nav a"))).extracting(WebElement::getText)
                .containsExactly("Servers", "Workloads", "Networks", "Releases", "Quota", "Usage & invoices");
        check("servers");
    }

    @Test
    @Order(2)
    void theTokenCommandsLinkSignsInThroughTheFragmentWhichIsThenStripped() {
        browser.executeScript("sessionStorage.clear()");
        browser.get(base + "console#token=" + bare(Tokens.tenant(tenantId)));
        await(By.id("f-name"));
        assertThat(browser.getCurrentUrl()).doesNotContain("token").endsWith("/console/#/servers");
        assertThat((String) browser.executeScript("return sessionStorage.getItem('skydeck.token')")).startsWith("ey");
        // A finance page is not in a tenant's console: asking for it lands on the tenant's first page.
        browser.get(base + "console/#/bill-imports");
        await(By.id("f-name"));
        assertThat(browser.getCurrentUrl()).endsWith("#/servers");
    }

    @Test
    @Order(3)
    void aTenantRunsAWorkloadAndSeesNetworksQuotaAndUsage() {
        open("workloads", By.id("list-h"));
        await(By.id("f-name")).sendKeys("api");
        browser.findElement(By.cssSelector("#create button[type=submit]")).click();
        By status = By.xpath("//tr[td[1][normalize-space()='api']]/td[2]");
        waiting().until(d -> "RUNNING".equals(d.findElement(status).getText()));
        check("workloads");
        open("networks", By.id("list-h"));
        waiting().until(d -> d.findElement(By.tagName("main")).getText().contains("(default)"));
        check("networks");
        open("quota", By.id("gauge-servers"));
        assertThat(browser.findElement(By.id("gauge-servers")).getAttribute("value")).isEqualTo("1");
        check("quota");
        open("usage", By.id("cost-day"));
        check("usage");
    }

    @Test
    @Order(4)
    void financeUploadsABillOpensTheReconciliationItTriggersExplainsADiscrepancyAndMarksTheRunReconciled() throws IOException {
        signInAs(Tokens.finance(), "bill-imports");
        String provider = uniqueName("console-bill");
        String month = YearMonth.now(ZoneOffset.UTC).toString();
        String next = YearMonth.now(ZoneOffset.UTC).plusMonths(1).toString();
        String bill = "BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ResourceId,"
                + "ServiceName,SkuId,BilledCost,EffectiveCost,ListCost,ConsumedQuantity,ConsumedUnit,BillingCurrency\n"
                + month + "-01T00:00:00Z," + next + "-01T00:00:00Z," + month + "-01T00:00:00Z," + month + "-01T01:00:00Z,Usage,Sandbox,"
                + "vm-unknown,Compute,SERVER_HOURS:m1.large,0.08,0.08,0.08,1,Hour,USD\n";
        Path file = Files.createTempFile("console-bill", ".csv");
        Files.writeString(file, bill, StandardCharsets.UTF_8);
        WebElement providerInput = await(By.id("f-provider"));
        providerInput.clear();
        providerInput.sendKeys(provider);
        browser.findElement(By.id("f-file")).sendKeys(file.toAbsolutePath().toString());
        browser.findElement(By.cssSelector("#upload button[type=submit]")).click();
        WebElement link = waiting().until(d -> d.findElement(By.cssSelector("a.recon-link")));
        assertThat(browser.findElement(By.id("progress")).getAttribute("value")).isEqualTo("100");
        assertThat(browser.findElement(By.id("import-result")).getText()).contains("FOCUS, 1 lines");
        check("bill-import");

        link.click();
        await(By.id("mark"));
        waiting().until(d -> !d.findElements(By.cssSelector("#by-kind canvas")).isEmpty());
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Reconciliation " + provider + " " + month);
        check("reconciliation");

        browser.findElement(By.xpath("//td/a[contains(@aria-label, 'UNKNOWN_TO_SKYDECK')]")).click();
        WebElement detail = await(By.id("discrepancy"));
        assertThat(detail.getText()).contains("vm-unknown").contains("UNKNOWN_TO_SKYDECK");
        assertThat(browser.findElement(By.id("d-reconciled")).getText()).isEqualTo("not yet");
        check("discrepancy");
        browser.findElement(By.id("f-note")).sendKeys("test VM of the provider's own");
        browser.findElement(By.id("mark-discrepancy")).click();
        waiting().until(d -> d.findElement(By.id("d-reconciled")).getText()
                .matches("by finance@test at .*: test VM of the provider's own"));
        assertThat(browser.findElements(By.id("mark-discrepancy"))).isEmpty();
        browser.findElement(By.id("mark")).click();
        waiting().until(d -> d.findElement(By.id("reconciled")).getText().startsWith("by finance@test"));
        open("reconciliations", By.id("list-h"));
        check("reconciliations");
    }

    @Test
    @Order(5)
    void financeDraftsAndFinalizesATenantsInvoice() {
        open("invoices", By.id("draft"));
        new Select(browser.findElement(By.id("f-tenant"))).selectByValue(tenantId.toString());
        browser.findElement(By.cssSelector("#draft button[type=submit]")).click();
        By finalize = By.xpath("//tr[td[2][normalize-space()='" + tenantName() + "']]//button[text()='Finalize']");
        waiting().until(d -> d.findElement(finalize)).click();
        By status = By.xpath("//tr[td[2][normalize-space()='" + tenantName() + "']]/td[4]");
        waiting().until(d -> "FINALIZED".equals(d.findElement(status).getText()));
        check("invoices");
    }

    @Test
    @Order(6)
    void aSchedulerSeesCapacityAServersPlacementAndDrift() {
        signInAs(Tokens.scheduler(), "capacity");
        await(By.cssSelector("li.cell.host"));
        assertThat(browser.findElements(By.cssSelector("#nav a"))).extracting(WebElement::getText)
                .containsExactly("Servers", "Workloads", "Networks", "Capacity", "Placement", "Drift");
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("sbx-east-1a");
        // web-1 is on a host of the sandbox: the host layer of the heat map shows what was placed there.
        assertThat(browser.findElements(By.cssSelector("li.cell.host"))).hasSizeGreaterThan(1)
                .extracting(WebElement::getText).anySatisfy(text -> assertThat(text).containsPattern("[1-9][0-9]* placed$"));
        check("capacity");
        open("placement/" + serverId, By.id("why-h"));
        assertThat(browser.findElement(By.id("why-h")).getText()).isEqualTo("Why web-1 is where it is");
        check("placement");
        open("drift", By.id("f-h"));
        browser.findElement(By.id("sync")).click();
        waiting().until(d -> !d.findElement(By.id("sync-h")).findElement(By.xpath(".."))
                .findElements(By.tagName("table")).isEmpty());
        check("drift");
    }

    /**
     * A release of three sandbox servers behind the sandbox's load balancer, batches of one: the
     * API brings it to BAKING (the bastion passed its smoke, out of traffic); the tenant pulls the
     * bastion in and approves in the console, and the page, fed by the release's event stream,
     * shows the rest roll to SUCCEEDED.
     */
    @Test
    @Order(7)
    void aTenantPullsInTheBastionOfABakingReleaseApprovesItAndWatchesItSucceed() {
        UUID tenant = createTenant(uniqueName("console-rel"), quota(16, 64, 3, 0, 0));
        UUID project = createProject(tenant, "shop");
        String token = Tokens.tenant(tenant);
        List<String> servers = new java.util.ArrayList<>();
        List<String> operations = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "rel-" + i, "flavor", "m1.tiny",
                    "image", "debian-12", "hints", Map.of("region", "sbx-east-1"))).post("/v1/servers")
                    .then().statusCode(202).extract().response();
            servers.add(accepted.path("resource.id"));
            operations.add(accepted.path("operation.id"));
        }
        String app = as(token).body(Map.of("name", uniqueName("shop"))).post("/v1/applications")
                .then().statusCode(201).extract().path("id");
        String target = "lb-" + app.substring(0, 8);
        TrafficControl traffic = providers.get("sandbox").require(TrafficControl.class);
        for (int i = 0; i < 3; i++) {
            assertThat(awaitFinished(token, operations.get(i)).<String>path("state")).isEqualTo("SUCCEEDED");
            traffic.pullIn(new TrafficTarget("sbx-east-1", target),
                    as(token).get("/v1/servers/" + servers.get(i)).then().statusCode(200).extract().path("providerServerId"));
        }
        String group = as(token).body(Map.of("name", "web", "serverIds", servers, "trafficTarget", target))
                .post("/v1/applications/" + app + "/groups").then().statusCode(201).extract().path("id");
        String version = as(token).body(Map.of("name", "v2", "packageUrl", "https://packages.example/shop-v2.tar.gz",
                        "sha256", "ab".repeat(32), "image", "shop:v2"))
                .post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");
        String release = as(token).body(Map.of("groupId", group, "versionId", version, "batchSize", 1)).post("/v1/releases")
                .then().statusCode(202).extract().path("id");
        awaitBastionVerified(token, release);

        signInAs(token, "releases");
        WebElement link = await(By.cssSelector("main a[href='#/releases/" + release + "']"));
        check("releases");
        link.click();
        await(By.id("act-pull-in-bastion"));
        assertThat(browser.findElement(By.id("release-state")).getText()).isEqualTo("BAKING");
        assertThat(browser.findElement(By.cssSelector("#grid td[data-batch='0'][data-state='VERIFIED']")).getText()).isEqualTo("1");
        assertThat(browser.findElement(By.cssSelector("#grid tbody tr:first-child li")).getText()).isEqualTo("rel-0 VERIFIED");
        assertThat(browser.findElements(By.id("act-approve"))).as("approve waits for the bastion to be in traffic").isEmpty();
        check("release-baking");

        browser.findElement(By.id("act-pull-in-bastion")).click();
        await(By.id("act-approve")).click();
        waiting().until(d -> "SUCCEEDED".equals(d.findElement(By.id("release-state")).getText()));
        for (int batch = 0; batch < 3; batch++) {
            assertThat(browser.findElement(By.cssSelector("#grid td[data-batch='" + batch + "'][data-state='DONE']")).getText())
                    .isEqualTo("1");
        }
        assertThat(browser.findElement(By.id("events")).getText()).contains("approved").contains("pulled in by a person");
        check("release-succeeded");
        // A finished release offers only what the API still accepts of it: rolling back.
        assertThat(browser.findElements(By.cssSelector("button[data-action]"))).extracting(WebElement::getText)
                .containsExactly("Roll back");
    }

    private static void awaitBastionVerified(String token, String release) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Response r = as(token).get("/v1/releases/" + release).then().statusCode(200).extract().response();
            if ("BAKING".equals(r.path("state")) && "VERIFIED".equals(r.path("instances[0].state"))
                    && r.path("instances[0].step") == null) {
                return;
            }
            assertThat(System.nanoTime()).as("release never baked: %s", r.asString()).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private String tenantName() {
        return (String) io.skydeck.support.Api.as(Tokens.admin()).get("/v1/tenants/" + tenantId).then().extract().path("name");
    }

    private void signInAs(String authorization, String page) {
        browser.get(base + "console#token=" + bare(authorization));
        browser.get(base + "console/#/" + page);
        await(By.cssSelector("main h1"));
    }

    private void open(String route, By ready) {
        browser.get(base + "console/#/" + route);
        await(ready);
    }

    /** A wait that looks again when a page redraws the element it was reading. */
    private static WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(browser, PATIENCE);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private WebElement await(By by) {
        try {
            return waiting().until(d -> d.findElement(by));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("no " + by + " at " + browser.getCurrentUrl() + "; the page says: "
                    + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    private static String bare(String authorization) {
        return authorization.substring("Bearer ".length());
    }

    /** A screenshot, axe-core's serious and critical violations (none allowed), and the browser's errors (none allowed). */
    private void check(String page) {
        try {
            Files.write(SCREENSHOTS.resolve(String.format("%02d-%s.png", ++shots, page)), browser.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Results axe = new AxeBuilder().analyze(browser);
        List<String> blocking = axe.getViolations().stream()
                .filter(r -> BLOCKING.contains(r.getImpact()))
                .map(r -> r.getImpact() + " " + r.getId() + ": " + r.getHelp() + " at "
                        + r.getNodes().stream().map(n -> String.valueOf(n.getTarget())).toList())
                .toList();
        assertThat(blocking).as("axe-core on the %s page", page).isEmpty();
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
        assertThat(errors).as("browser console errors on the %s page", page).isEmpty();
    }
}
