// Desktop notifications for new mail (Notifications API). The browser asks the user once, on a
// click of "Enable notifications"; after that a notice shows only while the page is hidden, since
// the open page already shows the message arriving.
import { senderName } from './format.ts';
import type { Arrival } from './mail-requests.ts';

export function notificationsAvailable(): boolean {
  return typeof Notification !== 'undefined';
}

export function notificationPermission(): NotificationPermission {
  return notificationsAvailable() ? Notification.permission : 'denied';
}

export async function askNotificationPermission(): Promise<NotificationPermission> {
  return notificationsAvailable() ? Notification.requestPermission() : 'denied';
}

export function notifyArrivals(arrivals: Arrival[]): void {
  if (!notificationsAvailable() || Notification.permission !== 'granted' || !document.hidden) return;
  for (const email of arrivals.slice(0, 3)) {
    const notice = new Notification(senderName(email.from), { body: email.subject || '(no subject)', tag: `petrel-${email.id}` });
    notice.onclick = () => window.focus();
  }
  if (arrivals.length > 3) new Notification('Petrel Mail', { body: `${arrivals.length - 3} more new messages`, tag: 'petrel-more' });
}
