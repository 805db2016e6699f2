import { useState } from "preact/hooks";
import type { Flag } from "../api.ts";
import { ErrorMessage, Loading } from "../ui/messages.tsx";
import { useAutoRefresh } from "../ui/use-auto-refresh.ts";
import { useLoad } from "../ui/use-load.ts";
import { useSession } from "../use-session.ts";
import { isBooleanFlag } from "../variants/variants.ts";
import { StackedBarChart } from "./chart.tsx";
import { seriesOf, totalsText } from "./series.ts";

/** Counts arrive a few seconds after the evaluations; every 10 s keeps the chart close behind. */
const REFRESH_MS = 10_000;

const hourLabel = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/**
 * The flag's evaluations of the last 24 hours, refreshing while it is on screen: by result
 * for a flag that answers true or false, by variant for the others.
 */
export function AnalyticsSection({ flag }: { flag: Flag }) {
  const { api } = useSession();
  const [updatedAt, setUpdatedAt] = useState<Date>();
  const analytics = useLoad(async () => {
    const answer = await api.flagAnalytics(flag.name);
    setUpdatedAt(new Date());
    return answer;
  }, [flag.name]);
  useAutoRefresh(analytics.reload, REFRESH_MS);

  const data = analytics.data;
  const series = data && seriesOf(data, isBooleanFlag(flag));
  return (
    <section class="panel" aria-labelledby="evaluations">
      <h2 id="evaluations">Evaluations, last 24 hours</h2>
      <ErrorMessage error={analytics.error} />
      {data === undefined || series === undefined ? (
        analytics.error === undefined && <Loading what="the evaluations" />
      ) : (
        <>
          <p class="totals">{totalsText(series)}</p>
          <StackedBarChart
            label={`Evaluations of ${flag.name} per hour over the last 24 hours: ${totalsText(series)}.`}
            columns={data.hours.map(({ hour }) => hourLabel(hour))}
            series={series}
          />
          <details>
            <summary>Show the numbers</summary>
            <div class="table-scroll">
              <table>
                <caption class="visually-hidden">Evaluations per hour</caption>
                <thead>
                  <tr>
                    <th scope="col">Hour</th>
                    {series.map(({ name }) => (
                      <th scope="col" key={name}>
                        {name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.hours.map((hour, index) => (
                    <tr key={hour.hour}>
                      <th scope="row">{hourLabel(hour.hour)}</th>
                      {series.map(({ name, values }) => (
                        <td key={name}>{values[index]}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
      <div class="actions">
        <button type="button" onClick={analytics.reload}>
          Refresh now
        </button>
        {updatedAt && (
          <span class="hint">
            Updated at {updatedAt.toLocaleTimeString()}; refreshes every {REFRESH_MS / 1000} s.
          </span>
        )}
      </div>
    </section>
  );
}
