"""The teaching image's identity provider for a server run without a hub
(`docker run`; start-notebook.sh selects it, jupyterhub-singleuser keeps the
hub's own): jupyter_server's token login, except that a request presenting a
token that is not the server's is refused with 403, a page such as /lab as well
as the API, instead of being sent to the login page. A request with no token
still gets the login page, where a person can type the token in. (Issue 20: a
wrong token gets 403 on /lab, /api/contents and /api/status; make image-test
checks it.)"""

from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.base.handlers import APIHandler
from tornado import web


class WrongTokenRefused(PasswordIdentityProvider):
    """jupyter_server's default identity provider (token or password), answering 403 to a wrong
    token in the URL or the Authorization header."""

    async def _get_user(self, handler):
        user = await super()._get_user(handler)
        if user is None and self.get_token(handler):
            if isinstance(handler, APIHandler):
                # the API's own 403, with its JSON body
                raise web.HTTPError(403, "this token is not the server's")
            # A page: answered here, as a page handler's error template may not exist
            # (JupyterLab's handlers have no 403.html, and would log a traceback).
            handler.set_status(403)
            handler.set_header("Content-Type", "text/plain; charset=UTF-8")
            raise web.Finish("403 Forbidden: this token is not the server's.\n")
        return user
