import Foundation
import Hummingbird
import KlaroCore

/// `/api/analytics/*`: trading analytics of one account (`account_id=`) or of all the
/// caller's accounts in one currency, over `range=` or `from=`/`to=` (default 30 days;
/// the free plan sees 30 days at most). Formulas: docs/analytics.md.
struct AnalyticsRoutes: Sendable {
    let loader: AnalyticsLoader

    func register(on api: RouterGroup<KlaroRequestContext>) {
        let loader = self.loader
        /// Every measure in one answer.
        api.get("analytics/report") { request, context in
            let loaded = try await loader.load(userID: try context.requireUser(), query: request.queryDictionary)
            return JSONResponse(AnalyticsResponse(scope: loaded.scope, result: loaded.report()))
        }
        /// Closed-trade measures: win rates, profit factor, expectancy, averages, best/worst, lots, length.
        api.get("analytics/trades") { request, context in
            let loaded = try await loader.load(userID: try context.requireUser(), query: request.queryDictionary, tradesOnly: true)
            let stats = AccountAnalytics.tradeStatistics(
                of: loaded.trades, range: loaded.range, timeZone: loaded.timeZone, dayOffsets: loaded.dayOffsets,
                symbols: loaded.symbols)
            return JSONResponse(AnalyticsResponse(scope: loaded.scope, result: stats))
        }
        /// The same measures by symbol, magic number (EA), hour of day and day of week.
        api.get("analytics/breakdown") { request, context in
            let loaded = try await loader.load(userID: try context.requireUser(), query: request.queryDictionary, tradesOnly: true)
            let breakdown = AccountAnalytics.breakdown(
                of: loaded.trades, range: loaded.range, timeZone: loaded.timeZone, dayOffsets: loaded.dayOffsets,
                symbols: loaded.symbols)
            return JSONResponse(AnalyticsResponse(scope: loaded.scope, result: breakdown))
        }
        /// Daily and monthly gain, profit and balance: the growth series.
        api.get("analytics/daily") { request, context in
            let loaded = try await loader.load(userID: try context.requireUser(), query: request.queryDictionary)
            let report = AccountAnalytics.report(loaded.combined())
            return JSONResponse(AnalyticsResponse(scope: loaded.scope, result: DailySeries(daily: report.daily, monthly: report.monthly)))
        }
        /// Maximum drawdowns of balance and equity, in money and percent.
        api.get("analytics/drawdown") { request, context in
            let loaded = try await loader.load(userID: try context.requireUser(), query: request.queryDictionary)
            let report = AccountAnalytics.report(loaded.combined())
            return JSONResponse(AnalyticsResponse(
                scope: loaded.scope,
                result: DrawdownResult(balance: report.balanceDrawdown, equity: report.equityDrawdown, since_inception: loaded.sinceInception())))
        }
    }
}
