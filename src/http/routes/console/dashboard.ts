import { CHARTED_EVENTS, dashboard } from '../../../admin/operator.ts';
import { DELIVERY_STATUSES } from '../../../delivery/status.ts';
import { HtmlPage } from '../../schemas.ts';

import type { ConsoleApp, ConsoleKit } from './kit.ts';

/** The dashboard: subscribers, events per day, editions, sending now, ingests. */
export async function registerDashboardRoutes(app: ConsoleApp, kit: ConsoleKit): Promise<void> {
  const { services, page, requireSession } = kit;
  app.get(
    '/',
    {
      onRequest: requireSession,
      schema: { summary: 'The console: dashboard', response: { 200: HtmlPage } },
    },
    async (_request, reply) => {
      const data = await dashboard(services);
      // d3 is loaded with the first dashboard, not with every `serve`
      const { dailyColumns, stackedBars } = await import('../../../admin/charts.ts');
      const perDay = dailyColumns(
        data.perDay.map((d) => d.day),
        CHARTED_EVENTS.map((event) => ({ name: event, values: data.perDay.map((d) => d[event]) })),
      );
      const editions = stackedBars(
        data.editions
          .filter((edition) => edition.status === 'ready')
          .map((edition) => ({ label: `${edition.frequency} ${edition.day}`, counts: edition.counts })),
        DELIVERY_STATUSES,
      );
      return page(reply, 'dashboard', {
        title: 'Dashboard',
        data,
        perDay,
        editions,
        statuses: DELIVERY_STATUSES,
      });
    },
  );
}
