import { useShallow } from 'zustand/react/shallow';
import { formatMs } from '../../lib/format';
import { selectSmokeRowsFailuresFirst } from '../../store';
import { useAppStore } from '../../store/context';

/** One row per request of the collection, failures first, each failed assertion with AWS-free plain words. */
export function SmokeTable() {
  const rows = useAppStore(useShallow(selectSmokeRowsFailuresFirst));
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Smoke results">
        <thead>
          <tr>
            <th scope="col">Result</th>
            <th scope="col">Request</th>
            <th scope="col">Status</th>
            <th scope="col">Time</th>
            <th scope="col">Failed assertions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => {
            const isFailed = row.failedAssertions.length > 0;
            return (
              <tr
                key={`${row.name}-${index}`}
                className={isFailed ? 'row-failed' : undefined}
                data-result={isFailed ? 'failed' : 'passed'}
              >
                <td>
                  <span className={isFailed ? 'badge badge-failed' : 'badge badge-passed'}>
                    {isFailed ? 'Failed' : 'Passed'}
                  </span>
                </td>
                <td>
                  <div>{row.name}</div>
                  <code className="muted">
                    {row.method} {row.url}
                  </code>
                </td>
                <td>{row.status ?? '—'}</td>
                <td>{row.timeMs !== undefined ? formatMs(row.timeMs) : '—'}</td>
                <td>
                  {isFailed ? (
                    <ul className="assertions">
                      {row.failedAssertions.map((assertion, i) => (
                        <li key={i}>
                          <strong>{assertion.name}</strong>: {assertion.message}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
