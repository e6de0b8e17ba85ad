import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session } from './api.js';
import { href, useRoute } from './router.js';
import { LoginView } from './views/LoginView.js';
import { TasksView } from './views/TasksView.js';
import { TaskDetailView } from './views/TaskDetailView.js';
import { ProcessesView } from './views/ProcessesView.js';
import { DeadLettersView } from './views/DeadLettersView.js';
import { LineageView } from './views/LineageView.js';
import '../styles.css';

const NAV = [
  { path: 'tasks', label: 'Tasks' },
  { path: 'processes', label: 'Processes & triggers' },
  { path: 'dead-letters', label: 'Dead letters' },
  { path: 'lineage', label: 'Lineage' },
] as const;

function App() {
  const [loggedIn, setLoggedIn] = useState(() => session.token() !== null);
  const route = useRoute();
  useEffect(() => session.onUnauthorized(() => setLoggedIn(false)), []);
  const [section = 'tasks', id] = route.parts;
  const page = `${section}/${id ?? ''}`;
  // A new page (not a new filter): its title, and focus on its content so a screen reader starts there.
  useEffect(() => {
    const label = NAV.find((item) => item.path === section)?.label ?? 'Tasks';
    document.title = `${id ? `Task ${id}` : label} · Sluice`;
    if (loggedIn) document.getElementById('main')?.focus({ preventScroll: true });
  }, [page, loggedIn]);
  if (!loggedIn) return <LoginView onLogin={() => setLoggedIn(true)} />;
  let view;
  if (section === 'tasks' && id) view = <TaskDetailView taskId={id} key={id} />;
  else if (section === 'processes') view = <ProcessesView />;
  else if (section === 'dead-letters') view = <DeadLettersView params={route.params} />;
  else if (section === 'lineage') view = <LineageView params={route.params} />;
  else view = <TasksView params={route.params} />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Sluice</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.path}>
                <a href={href(item.path)} aria-current={section === item.path ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          class="link"
          onClick={() => {
            session.logout();
            setLoggedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {view}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
