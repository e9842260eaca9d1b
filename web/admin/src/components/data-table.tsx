import type { ComponentChildren } from 'preact';

/**
 * The console's lists: a table that scrolls sideways on a narrow screen, named for screen readers
 * by a caption only they read, with one header cell per column; the rows are the children, and
 * `empty` says so in words when there are none.
 */
export function DataTable({ caption, columns, empty, children }: { caption: ComponentChildren; columns: string[]; empty?: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
      {empty}
    </div>
  );
}
