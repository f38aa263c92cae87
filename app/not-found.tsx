export default function NotFound() {
  return (
    <div className="panel stack">
      <h1>Page not found</h1>
      <p>
        <a className="button primary" href="/">Go to Backbeat</a>
      </p>
    </div>
  );
}
