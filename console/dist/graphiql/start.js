// Starts GraphiQL against this server. A console sign-in in this tab (sessionStorage) fills
// in the Authorization header; otherwise add it in the headers pane.
(function () {
  var token = sessionStorage.getItem('patron.token');
  var headers = token ? JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2) : '';
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultHeaders: headers, isHeadersEditorEnabled: true }));
})();
